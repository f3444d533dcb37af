"""The other number of a word, which both search engines index next to it."""

from commerce.search.words import forms_text, plural, singulars, word_forms


def test_plurals_of_common_endings():
    assert [plural(w) for w in ("template", "box", "brush", "story", "day", "child")] == [
        "templates",
        "boxes",
        "brushes",
        "stories",
        "days",
        "children",
    ]


def test_singulars_of_plural_looking_words():
    assert singulars("templates") == ("template",)
    assert singulars("categories") == ("category",)
    assert singulars("people") == ("person",)
    assert set(singulars("caches")) == {"cache", "cach"}  # the rules cannot tell; both are indexed
    assert singulars("class") == singulars("focus") == singulars("basics") == ()


def test_forms_of_a_text_are_the_other_number_once_each():
    assert word_forms("e-books") == ("ebook",)
    assert word_forms("ux") == word_forms("the") == word_forms("3d") == ()
    assert forms_text(["Minimal Resume Template", "Templates", "templates"]).split() == [
        "minimals",
        "resumes",
        "templates",
        "template",
    ]
