"""Typography normalisation and promotional-line tagging."""

import pytest

from service.config import DEFAULT_PROMO_PATTERN as CONFIG_PATTERN
from service.diff.typography import DEFAULT_PROMO_PATTERN, is_promo, normalise


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Putin’s buildup", "Putin's buildup"),
        ("‘single’ and “double” and „low“", "'single' and \"double\" and \"low\""),
        ("5′10″ tall", "5'10\" tall"),  # primes, double prime stays one straight quote
        ("Estonia — Latvia – Lithuania ‐ Kyiv − 3", "Estonia - Latvia - Lithuania - Kyiv - 3"),
        ("100\u00a0000 troops\u202fthere", "100 000 troops there"),  # NBSP, narrow NBSP
        ("  many\t\n   spaces  ", "many spaces"),
        ("ﬁne ＡＢＣ ①", "fine ABC 1"),  # NFKC: ligature, fullwidth, circled digit
        ("e\u0301", "é"),  # composed
        ("", ""),
        ("\ue000 private use kept \U0010fffd", "\ue000 private use kept \U0010fffd"),
    ],
)
def test_normalise(text, key):
    assert normalise(text) == key


def test_normalise_is_idempotent_on_the_seed_change():
    a = "referring to Putin's buildup of 100,000 troops there."
    b = "referring to Putin’s buildup of 100,000 troops there."
    assert a != b
    assert normalise(a) == normalise(b) == normalise(normalise(b))


def test_default_pattern_comes_from_config():
    assert DEFAULT_PROMO_PATTERN is CONFIG_PATTERN


@pytest.mark.parametrize(
    ("text", "promo"),
    [
        ("WATCH: U.S., Russia clash over Ukraine at UN Security Council meeting", True),
        ("READ MORE: Putin says U.S. has ignored Russian demands", True),
        ("RELATED: Biden sends troops", True),
        ("READ MORE : spaced colon", True),
        ("  WATCH: leading space", True),
        ("Watch: a quote, not a promo line", False),
        ("The WATCH: inside a sentence", False),
        ("Biden said he would watch closely.", False),
        ("", False),
    ],
)
def test_is_promo_default(text, promo):
    assert is_promo(text) is promo


def test_is_promo_custom_pattern():
    assert is_promo("MEHR ZUM THEMA: etwas", r"^MEHR ZUM THEMA:")
    assert not is_promo("WATCH: x", r"^MEHR ZUM THEMA:")


@pytest.mark.parametrize("bad", ["(", "[a-", "*x"])
def test_bad_pattern_is_a_clear_value_error(bad):
    with pytest.raises(ValueError, match="not a regular expression"):
        is_promo("WATCH: x", bad)
