"""User-facing text in the UI layers goes through the translation functions.

A lint over storefront/, components/ and state/: it fails on an English literal a person
would read that is not marked (docs/i18n.md says how to mark one):

- the text given positionally to Reflex's text components (rx.text, rx.heading, rx.button,
  rx.link, rx.badge, …, rx.el.p/span/label/…) and to the shared components that show it;
- the `placeholder=`, `aria_label=`, `title=`, `label=` … keywords of any call;
- anywhere else, a sentence: a literal that starts with a capital letter, has a space and
  ends like a sentence (. ! ? …), e.g. an error a state shows.

A string inside t()/bt()/gettext()/ngettext()/pgettext()/N_()/bo_*() is marked; ids,
routes, icon names, CSS and docstrings are not text. `NOT_YET_TRANSLATED` lists the files
still to do: whoever translates one removes it from the list (never add to it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_FOLDERS = ("storefront", "components", "state")

MARKERS = {"t", "bt", "gettext", "ngettext", "pgettext", "N_", "bo_gettext", "bo_ngettext", "bo_N_", "E_"}
# Components whose positional strings are shown as text.
TEXT_COMPONENTS = {
    "text",
    "heading",
    "button",
    "link",
    "badge",
    "code",
    "em",
    "strong",
    "blockquote",
    "a",
    "p",
    "span",
    "label",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "th",
    "td",
    "legend",
    "caption",
    "summary",
    "option",
    "column_header_cell",
    "cell",
    "row_header_cell",
    "title",
    "description",
    "item",
    "trigger",
    "callout",
    "text_area",
    "radio",
    "checkbox",
    "switch",
    "icon_button",
    "toast",
    "tooltip",
    # the app's shared components
    "link_button",
    "empty_state",
    "section_heading",
    "submit_button",
    "form_error",
    "notice_callout",
    "error_callout",
    "confirm_button",
    "page_heading",
    "admin_header",
    "download_button",
    "back_link",
    "form_card",
    "section_card",
    "labelled_input",
    "form_notice",
    "passkey_button",
    "field_label",
    "labelled_upload",
    "_total_row",
    "_amount_row",
    "sort_button",
    "_passkey_form",
    "banner",
    "step",
    "cond",
    "match",
    "field",
    "_footer_link",
    "status_badge",
    "order_status_badge",
    "_not_allowed",
    "_code_form",
}
# rx.cond / rx.match branches are often CSS values or class names: only capitalised words count.
BRANCHES = {"cond", "match"}
TEXT_KEYWORDS = {
    "placeholder",
    "aria_label",
    "title",
    "label",
    "alt",
    "description",
    "content",
    "heading",
    "empty_text",
    "body",
    "hint",
    "help_text",
    "confirm_label",
    "submit_label",
    "loading_text",
}
# Calls whose strings are never read by a person (ids, logs, routes, styles).
IGNORED_CALLS = {
    "getLogger",
    "debug",
    "info",
    "warning",
    "error",
    "exception",
    "icon",
    "color",
    "Var",
    "create",
    "redirect",
    "get",
    "startswith",
    "endswith",
    "split",
    "join",
    "replace",
    "format",
    "breakpoints",
    "set_value",
    "set_focus",
    "call_function",
    "scroll_to",
    "remove_cookie",
    "fill",
    "with_query",
    "color_mode_cond",
    "dataclass",
    "Cookie",
    "LocalStorage",
}

# Files not translated yet. Shrink this list; `test_the_list_only_shrinks` fails on a file
# listed that already passes (remove it then).
NOT_YET_TRANSLATED: set[str] = set()


# HTTP endpoints answering programs (the seller REST API, the license API, payment
# providers' webhooks, CORS refusals): their messages are for developers, in English.
FOR_PROGRAMS = ("storefront/api_v1/", "storefront/api_licenses.py", "storefront/api_webhooks.py", "storefront/cors.py")


def ui_files() -> list[Path]:
    return sorted(
        path
        for folder in UI_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if not str(path.relative_to(ROOT)).startswith(FOR_PROGRAMS)
    )


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _looks_like_sentence(text: str) -> bool:
    stripped = text.strip()
    return (
        len(stripped) > 3
        and " " in stripped
        and stripped[0].isupper()
        and stripped[-1] in ".!?…:"
        and "\n" not in stripped
        and "{" not in stripped[:1]
    )


def _is_text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        # Words a person reads start with a capital or have a space; "lock", "h1", "#top" are tokens.
        value = node.value.strip()
        return node.value if value[:1].isupper() or (" " in value and any(c.isalpha() for c in value)) else None
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        joined = "".join(parts)
        return joined if any(c.isalpha() for c in joined) and " " in joined.strip() else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_text(node.left) or _is_text(node.right)
    return None


class Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []
        self._marked = 0
        self._ignored = 0

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name in MARKERS:
            self._marked += 1
            self.generic_visit(node)
            self._marked -= 1
            return
        if name in IGNORED_CALLS:
            self._ignored += 1
            self.generic_visit(node)
            self._ignored -= 1
            return
        if not self._marked:
            if name in TEXT_COMPONENTS:
                for arg in node.args:
                    if (text := _is_text(arg)) is not None and (name not in BRANCHES or text.strip()[:1].isupper()):
                        self.found.append(f"line {arg.lineno}: {name}({text!r})")
            for keyword in node.keywords:
                if keyword.arg in TEXT_KEYWORDS and (text := _is_text(keyword.value)) is not None:
                    self.found.append(f"line {keyword.value.lineno}: {keyword.arg}={text!r}")
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        # A docstring or a bare string statement is not text on a page.
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if self._marked or self._ignored:
            return
        if isinstance(node.value, str) and _looks_like_sentence(node.value):
            self.found.append(f"line {node.lineno}: {node.value!r}")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if self._marked or self._ignored:
            return
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if text[:1].isupper() and " " in text.strip() and text.strip()[-1:] in ".!?…":
            self.found.append(f"line {node.lineno}: f{text!r}")


def unmarked(path: Path) -> list[str]:
    finder = Finder()
    finder.visit(ast.parse(path.read_text()))
    # The same literal may be reported by two rules.
    return sorted(set(finder.found))


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", ui_files(), ids=relative)
def test_user_facing_text_is_marked_for_translation(path):
    if relative(path) in NOT_YET_TRANSLATED:
        pytest.skip("listed in NOT_YET_TRANSLATED")
    found = unmarked(path)
    assert not found, f"{relative(path)}: mark these with t()/gettext() (docs/i18n.md):\n  " + "\n  ".join(found)


def test_the_list_only_shrinks():
    done = sorted(name for name in NOT_YET_TRANSLATED if not unmarked(ROOT / name))
    assert not done, f"translated already: remove from NOT_YET_TRANSLATED: {done}"
    assert all((ROOT / name).exists() for name in NOT_YET_TRANSLATED)


def test_the_lint_finds_unmarked_text():
    source = (
        'rx.text("Add to cart")\nrx.input(placeholder="Search")\nself.error = "Something went wrong."\n'
        'rx.text(t("Add to cart"))\nrx.input(placeholder=t("Search"), id="search-box")\n'
        'rx.icon("shopping-cart")\nerror = gettext("Something went wrong.")\n'
    )
    finder = Finder()
    finder.visit(ast.parse(source))
    assert sorted(finder.found) == [
        "line 1: text('Add to cart')",
        "line 2: placeholder='Search'",
        "line 3: 'Something went wrong.'",
    ]
