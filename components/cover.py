"""A product's cover picture, or a package icon in its place while it has none."""

from __future__ import annotations

import reflex as rx

from components import theme

TextLike = str | rx.Var


def cover(
    url: TextLike,
    *,
    alt: TextLike = "",
    icon_size: int = 24,
    icon_color=None,
    lazy: bool | rx.Var = False,
    **box_props,
) -> rx.Component:
    """The picture fills the box (`box_props`: its size and corners). `lazy` may be a var: a
    grid's first cards load at once (they are the largest paint), the rest when scrolled to."""
    icon = rx.icon("package", size=icon_size, **({"color": icon_color} if icon_color is not None else {}))
    placeholder = rx.center(icon, width="100%", height="100%", background_color=rx.color(theme.RADIX_ACCENT, 3))
    if isinstance(lazy, rx.Var):
        loading: dict = {"loading": rx.cond(lazy, "lazy", "eager")}
    else:
        loading = {"loading": "lazy"} if lazy else {}
    image = rx.image(src=url, alt=alt, width="100%", height="100%", object_fit="cover", **loading)
    return rx.box(rx.cond(url, image, placeholder), overflow="hidden", **box_props)


# `cover_box`'s picture fills its box; without one, the box shows the package icon on the
# accent's tint, as `cover` does.
STYLESHEET = f"""
.cover-box > img {{ width: 100%; height: 100%; object-fit: cover; }}
.cover-box > .cover-box-empty {{
  display: flex;
  align-items: center;
  justify-content: center;
  width: 100%;
  height: 100%;
  background-color: var(--{theme.RADIX_ACCENT}-3);
  color: var(--{theme.RADIX_ACCENT}-9);
}}
"""


def stylesheet() -> rx.Component:
    """`cover_box`'s rules, for the document head."""
    return rx.el.style(STYLESHEET)


def cover_box(url: TextLike, *, alt: TextLike, loading: TextLike, icon_size: int, class_name: str) -> rx.Component:
    """`cover` as plain elements, for a cover drawn many times over (components.product_card):
    `class_name` gives the box its size and corners."""
    picture = rx.el.img(src=url, alt=alt, loading=loading)
    empty = rx.el.div(rx.icon("package", size=icon_size), class_name="cover-box-empty")
    return rx.el.div(rx.cond(url, picture, empty), class_name=f"cover-box {class_name}")
