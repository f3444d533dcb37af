"""A product page prints its title once: a description that opens with the same title as a
heading loses that heading; any other opening stays."""

import pytest

from commerce.catalog.text import render_markdown, without_leading_title


@pytest.mark.parametrize(
    "description",
    [
        "## Field Guide\n\nBirds of the coast.",
        "# field  guide #\nBirds of the coast.",
        "Field Guide\n===========\n\nBirds of the coast.",
        "\n\n### Field Guide\nBirds of the coast.",
    ],
)
def test_a_heading_repeating_the_title_is_dropped(description):
    html = render_markdown(without_leading_title(description, "Field Guide"))
    assert "Field Guide" not in html
    assert "Birds of the coast." in html


@pytest.mark.parametrize(
    "description",
    ["## What you get\n\nBirds.", "Field Guide is the best.\n\nBirds.", "Birds.\n\n## Field Guide"],
)
def test_other_openings_stay(description):
    assert without_leading_title(description, "Field Guide") == description
