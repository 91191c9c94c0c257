"""The vocabulary counts images per tag (a tag once per image), kept current edit by edit."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from lora_tagger_widget.core.vocabulary import Vocabulary

TAGS = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=5).map(tuple)


@settings(max_examples=300, deadline=None)
@given(images=st.lists(TAGS, min_size=1, max_size=4),
       edits=st.lists(st.tuples(st.integers(0, 3), TAGS), max_size=8))
def test_replace_keeps_the_counts_of_a_recount(
    images: list[tuple[str, ...]], edits: list[tuple[int, tuple[str, ...]]]
) -> None:
    vocabulary = Vocabulary()
    vocabulary.add_all(images)
    for which, new in edits:
        which %= len(images)
        vocabulary.replace(images[which], new)
        images[which] = new
    expected = Counter(tag for tags in images for tag in set(tags))
    assert vocabulary.as_dict() == dict(expected)


def test_one_tag_renamed_in_place_moves_one_count() -> None:
    vocabulary = Vocabulary()
    vocabulary.add_all([("a", "b"), ("b", "a", "b")])
    vocabulary.replace(("b", "a", "b"), ("b", "a", "c"))  # "b" stays: it is there twice
    vocabulary.replace(("a", "b"), ("c", "b"))
    assert vocabulary.as_dict() == {"b": 2, "c": 2, "a": 1}
