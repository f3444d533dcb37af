"""The build's chunk groups (storefront/chunks.py) go into the vite.config.js Reflex writes."""

from __future__ import annotations

import pytest
from reflex_base.compiler.templates import vite_config_template

from storefront.chunks import GROUPS, with_groups


def _reflex_vite_config() -> str:
    return vite_config_template(
        base="/",
        hmr=False,
        force_full_reload=False,
        experimental_hmr=False,
        prod_react=False,
        warmup_routes=False,
        react_compiler=False,
        sourcemap=False,
        minify=True,
        allowed_hosts=False,
    )


def test_each_library_gets_its_chunk_before_reflexs_own_group():
    config = with_groups(_reflex_vite_config())
    groups = config[config.index("groups: [") :]
    for name, pattern in GROUPS:
        assert f"{{ name: '{name}', test: /{pattern}/ }}," in groups
    assert groups.index("'icons'") < groups.index('name: "reflex-env"')


def test_a_config_without_the_groups_list_fails_the_build():
    with pytest.raises(RuntimeError, match="chunk groups"):
        with_groups("export default defineConfig({});")
