"""Words for the diff: numbers whole, scripts without spaces cut by dictionary, and the LCS."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.diff import inline
from service.diff.inline import Words, bag_bound, score, segments
from service.diff.tokens import split_tokens, split_words

PROPS = settings(max_examples=300, deadline=None, derandomize=True)
OLD_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")  # the splitter before numbers and dictionaries

texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from("0123456789.,%- 　進める急ぐ推进加快的はをカタカナ々เร่งเริ่มน้ำ่ั"),
    ),
    max_size=60,
)


@PROPS
@given(texts)
def test_tokens_rebuild_the_text_and_words_are_the_tokens_without_space(text):
    tokens = split_tokens(text)
    assert "".join(tokens) == text
    assert all(tokens)
    assert split_words(text) == [t for t in tokens if not t.isspace()]


@PROPS
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_text_without_numbers_or_those_scripts_splits_as_before(text):
    if re.search(r"\d[.,]\d", text) or re.search(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
                                                 r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]", text):
        return
    if any("\u3005" <= c <= "\u303b" or "\uf900" <= c <= "\ufaff" or "\uff66" <= c <= "\uff9f"
           or c >= "\U00020000" or "\u19e0" <= c <= "\u19ff" or "\u31f0" <= c <= "\u31ff"
           for c in text):
        return
    assert split_tokens(text) == OLD_TOKENS.findall(text)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("about 1,700 troops", ["about", " ", "1,700", " ", "troops"]),
        ("rose 3.5% to $1.25bn", ["rose", " ", "3.5", "%", " ", "to", " ", "$", "1.25bn"]),
        ("-4 in the 1990s", ["-", "4", " ", "in", " ", "the", " ", "1990s"]),
        ("a 2,000-strong force", ["a", " ", "2,000", "-", "strong", " ", "force"]),
        ("in 2019. The U.S.", ["in", " ", "2019", ".", " ", "The", " ", "U", ".", "S", "."]),
        ("1,2,3 and 12,345.67", ["1,2,3", " ", "and", " ", "12,345.67"]),
        ("Putin's A380", ["Putin", "'", "s", " ", "A380"]),
    ],
)
def test_a_number_is_one_word_with_its_separators(text, tokens):
    assert split_tokens(text) == tokens


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("新たな計画を進めることを決定した。",
         ["新た", "な", "計画", "を", "進める", "こと", "を", "決定", "した", "。"]),
        ("研究推进新型城镇化建设", ["研究", "推进", "新型", "城镇", "化", "建设"]),
        ("NATO加盟国の66.2%、約1,700人",
         ["NATO", "加盟", "国", "の", "66.2", "%", "、", "約", "1,700", "人"]),
        ("รัฐบาลจะเร่งดำเนินการ", ["รัฐบาล", "จะ", "เร่ง", "ดำเนิน", "การ"]),
    ],
    ids=["japanese", "chinese", "mixed", "thai"],
)
def test_scripts_without_spaces_split_into_dictionary_words(text, words):
    assert split_words(text) == words


def test_a_one_word_chinese_edit_scores_and_shows_as_one_word():
    old = "会议研究推进新型城镇化建设的有关措施，要求各地加大对中西部地区的支持力度。"
    new = old.replace("推进", "加快")
    assert score(Words(old), Words(new)) > 0.9
    assert [s for s in segments(old, new) if s["op"] != "equal"] == [
        {"op": "delete", "text": "推进"}, {"op": "insert", "text": "加快"}]


@PROPS
@given(texts, texts)
def test_the_bag_bound_bounds_the_score_in_any_script(a, b):
    wa, wb = Words(a), Words(b)
    assert bag_bound(wa, wb) >= score(wa, wb) - 1e-12


def lcs_length(a, b):
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@PROPS
@given(st.lists(st.sampled_from(["a", "b", "c", " ", "the", "1,700"]), max_size=40),
       st.lists(st.sampled_from(["a", "b", "c", " ", "the", "1,800"]), max_size=40))
def test_equal_runs_are_a_longest_common_subsequence(a, b):
    runs = inline._equal_runs(a, b)
    assert runs[-1] == (len(a), len(b), 0)
    assert sum(n for _, _, n in runs) == lcs_length(a, b)
    x = y = 0
    for i, j, n in runs:
        assert i >= x and j >= y and a[i : i + n] == b[j : j + n]
        x, y = i + n, j + n


def test_two_tokens_of_one_hash_cannot_make_an_equal_part(monkeypatch):
    # RapidFuzz compares list items by hash; were two different words to collide, the
    # segments must still rebuild both texts.
    real = inline._equal_runs
    calls = []

    def colliding(a, b):
        if isinstance(a, list):  # tokens, not the characters of the character pass
            calls.append(1)
            if len(calls) == 1:
                return [(0, 0, min(len(a), len(b))), (len(a), len(b), 0)]  # "all equal"
        return real(a, b)

    monkeypatch.setattr(inline, "_equal_runs", colliding)
    old, new = "the troops left on Monday", "the soldiers left on Tuesday"
    segs = segments(old, new)
    assert "".join(s["text"] for s in segs if s["op"] != "insert") == old
    assert "".join(s["text"] for s in segs if s["op"] != "delete") == new
    assert len(calls) == 2


def test_a_rewrite_folds_into_one_readable_replacement_of_whole_words():
    # Short equal parts between replaced words ("that", "in") fold into one replacement, as
    # diff-match-patch's semantic clean-up does, but no word is cut (it showed `Genev[-a-]`).
    old = "The minister said on Monday that the talks would resume next week in Geneva."
    new = "The minister said on Tuesday that negotiations would restart next month in Vienna."
    assert segments(old, new) == [
        {"op": "equal", "text": "The minister said on "},
        {"op": "delete", "text": "Monday that the talks would resume next week in Geneva"},
        {"op": "insert", "text": "Tuesday that negotiations would restart next month in Vienna"},
        {"op": "equal", "text": "."},
    ]


@PROPS
@given(st.lists(st.sampled_from(["troops", "1,700", "3.5", "the", "said", "2024", "Kyiv"]),
                min_size=1, max_size=12),
       st.lists(st.tuples(st.integers(0, 99), st.sampled_from(["1,800", "4.2", "2023", "were"])),
                max_size=4))
def test_edits_never_cut_a_number(words, edits):
    old = " ".join(words)
    changed = list(words)
    for at, w in edits:
        changed[at % len(changed)] = w
    new = " ".join(changed)
    assert_numbers_whole(old, new, segments(old, new))


def assert_numbers_whole(old: str, new: str, segs: list[dict]) -> None:
    """Assert that no segment boundary falls inside a number of either side."""
    for text, drop in ((old, "insert"), (new, "delete")):
        cuts, pos = set(), 0
        for s in segs:
            if s["op"] != drop:
                pos += len(s["text"])
                cuts.add(pos)
        for number in re.finditer(r"\d[\d,.]*\d|\d", text):
            assert not any(number.start() < c < number.end() for c in cuts), number.group()


sentences = st.lists(
    st.sampled_from(["the", "troops", "1,700", "3.5", "said", ",", ".", "Putin's", "Putin’s", "has",
                     "進める", "推进", "เร่ง", "\u00a0", "\n", ""]),
    max_size=30,
).map(lambda ws: " ".join(ws))


@PROPS
@given(sentences, st.lists(st.tuples(st.integers(0, 99), st.sampled_from(["a", "", "1,800", "  "])),
                           max_size=3), sentences)
def test_cutting_the_common_ends_first_changes_no_segment(text, edits, other):
    # A small edit in a long paragraph is diffed without its common start and end; the
    # segments must come out as from the whole texts.
    words = text.split(" ")
    for at, w in edits:
        words[at % len(words)] = w
    for new in (" ".join(words), other):
        if new != text:
            assert segments(text, new) == inline._segments(text, new, 0, len(text), len(new))
