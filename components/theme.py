"""The design system: brand colours, spacing, radii, type and the Radix theme.

Every component takes its colours and measures from here, so a brand change is
one edit. Radix Themes supplies the component look; the accent is "indigo",
the Radix scale closest to the brand navy #1e3a8a (hue ~224°, indigo-9 is ~226°;
"blue" is ~206° and reads as sky blue next to the logo). The neutral scale is
"slate", which is the scale #64748b itself comes from.
"""

from __future__ import annotations

import reflex as rx

BRAND_NAME = "Marketplace"

# Brand colours.
PRIMARY = "#1e3a8a"
# Coral call-to-action. Its text is dark navy, not white: white on #ff6b6b has a
# contrast of 2.8:1 (fails WCAG AA), #0f172a on it has 6.4:1.
CTA = "#ff6b6b"
CTA_HOVER = "#ff5252"
CTA_TEXT = "#0f172a"
SUCCESS = "#10b981"
NEUTRAL = "#64748b"
BACKGROUND_LIGHT = "#ffffff"
BACKGROUND_DARK = "#0f172a"
# Raised surfaces (cards, panels) in dark mode, one step off the background, same slate family
# (white in light mode, as Radix has it).
PANEL_DARK = "#1e293b"
SUBTLE_LIGHT = "#f8fafc"
SUBTLE_DARK = "#131c31"

RADIX_ACCENT = "indigo"
RADIX_GRAY = "slate"

# Colours that follow the light/dark switch (Radix scales adapt by themselves).
TEXT_MUTED = rx.color(RADIX_GRAY, 11)
BORDER = rx.color(RADIX_GRAY, 6)
# Set in the global style below, by the document's class rather than by a script, so what the
# server paints before the scripts run (a prerendered header and footer) has its dark colours
# in dark mode at once.
SURFACE = "var(--brand-surface)"
BRAND_TEXT = "var(--brand-text)"
# Radix's panel colour (white; PANEL_DARK in dark mode, set in the global style below): CSS
# that follows the document's class, so a card painted before the scripts run (a prerendered
# page, the home page's placeholders) has its dark face in dark mode at once.
CARD_BACKGROUND = "var(--color-panel-solid)"
LINK = rx.color(RADIX_ACCENT, 11)
DANGER_TEXT = rx.color("red", 11)

# Latin first, then the faces each system has for Japanese and Arabic (the browser takes a
# glyph from the first face that has it), so no web font is downloaded for them.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", '
    '"Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic UI", Meiryo, "Noto Sans JP", "Noto Sans CJK JP", '
    'IPAGothic, "Geeza Pro", "Noto Sans Arabic", Tahoma, "DejaVu Sans", '
    'Arial, sans-serif, "Apple Color Emoji", "Segoe UI Emoji"'
)

# Spacing: Radix steps ("1" = 4px … "9" = 64px) for gaps, CSS lengths for padding.
CONTENT_MAX_WIDTH = "72rem"
FORM_MAX_WIDTH = "26rem"
PAGE_PADDING_X = rx.breakpoints(initial="1rem", sm="1.5rem", md="2rem")
PAGE_PADDING_Y = rx.breakpoints(initial="1.5rem", md="2.5rem")
GAP_TIGHT = "2"
GAP = "4"
GAP_SECTION = "6"

# Radii.
RADIUS_CONTROL = "8px"
RADIUS_CARD = "12px"
RADIUS_PILL = "9999px"

# Radix's column stack (rx.vstack) as classes, for plain elements drawn many times over
# (components.product_card): Radix's layout without its component.
STACK_COLUMN = "rt-Flex rt-r-fd-column rt-r-ai-start"

# Product grid: one column on a phone, up to four on a desktop.
GRID_COLUMNS = rx.breakpoints(initial="1", xs="2", md="3", lg="4")

CTA_BUTTON_STYLE = {
    "background_color": CTA,
    "color": CTA_TEXT,
    "font_weight": "600",
    "_hover": {"background_color": CTA_HOVER},
}

# Radix sets its own font and page background on `.radix-themes`; these
# variables put the brand's stack and the brand backgrounds in their place.
GLOBAL_CSS = f"""
.radix-themes {{
  --default-font-family: {FONT_STACK};
  --heading-font-family: {FONT_STACK};
  --color-background: {BACKGROUND_LIGHT};
  --brand-surface: {SUBTLE_LIGHT};
  --brand-text: {PRIMARY};
}}
.dark .radix-themes, .dark.radix-themes {{
  --color-background: {BACKGROUND_DARK};
  --color-panel-solid: {PANEL_DARK};
  --color-panel-translucent: rgba(30, 41, 59, 0.8);
  --brand-surface: {SUBTLE_DARK};
  --brand-text: #ffffff;
}}
/* Status badges and callouts: Radix's soft text (accent step 11 on step 3) is below 4.5:1 for
   small text in amber, green and a few more; step 12 reads in every colour and mode. */
.rt-Badge.rt-variant-soft, .rt-Badge.rt-variant-surface, .rt-Badge.rt-variant-outline,
.rt-CalloutRoot.rt-variant-soft, .rt-CalloutRoot.rt-variant-surface {{
  color: var(--accent-12);
}}
/* A link inside a sentence is told apart by more than its colour (WCAG 1.4.1). */
:where(p, .rt-Text, li) > a.rt-Link:not(.rt-underline-none) {{
  text-decoration-line: underline;
}}
/* Placeholders stand still. Radix pulses every skeleton's background colour: starting and
   running those animations (37 on the home page) cost a phone's main thread and compositor
   more than the page's own first render while the scripts load (bench/lighthouse: home's
   blocking time 1.4-2.0 s with the pulse, 0.66-0.96 s without, on one machine). */
:root .rt-Skeleton {{
  animation: none !important;
  background-color: var(--gray-a4) !important;
}}
/* Text for screen readers only (a column of buttons' header). */
.sr-only {{
  position: absolute;
  width: 1px;
  height: 1px;
  padding: 0;
  margin: -1px;
  overflow: hidden;
  clip: rect(0, 0, 0, 0);
  white-space: nowrap;
  border: 0;
}}
.skip-link {{
  position: absolute;
  left: -9999px;
}}
.skip-link:focus {{
  left: 1rem;
  top: 1rem;
  z-index: 100;
  padding: 0.5rem 1rem;
  border-radius: {RADIUS_CONTROL};
  background: {PRIMARY};
  color: #ffffff;
}}
"""


def radix_theme() -> rx.Component:
    """The app-wide Radix theme (registered by rxconfig's RadixThemesPlugin)."""
    return rx.theme(
        accent_color=RADIX_ACCENT,
        gray_color=RADIX_GRAY,
        radius="medium",
        scaling="100%",
        has_background=True,
    )


def global_style_tag() -> rx.Component:
    """A <style> element for the document head carrying GLOBAL_CSS."""
    return rx.el.style(GLOBAL_CSS)
