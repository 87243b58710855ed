"""The appearance rules (no_glasses, no_headgear, ears_visible, even_lighting,
plain_background) on real photographs with controlled edits (tests/photo/support/portrait_edits.py):
every edit must fail the rule it breaks and leave the others' verdicts alone; the unedited base
passes them all; darker skin changes no lighting, background or exposure verdict."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pytest

from tests.photo.support import portrait_edits as edits
from verifier.photo.check import PhotoCheck, check_photo_detailed
from verifier.policy import default_policy
from verifier.verdict import RuleResult, Status

APPEARANCE_RULES = (
    "no_glasses",
    "no_headgear",
    "ears_visible",
    "even_lighting",
    "plain_background",
)

EDITS: dict[str, Callable[[edits.Base], np.ndarray]] = {
    "base": lambda b: b.rgb,
    "glasses": edits.glasses,
    "sunglasses": lambda b: edits.glasses(b, dark_lenses=True),
    "cap": edits.cap,
    "scarf": edits.scarf,
    "hair_over_ears": edits.hair_over_ears,
    "half_face_shadow": edits.half_face_shadow,
    "flash_hot_spot": edits.flash_hot_spot,
    "busy_background": edits.busy_background,
    "dark_background": lambda b: edits.coloured_background(b, (60, 60, 70)),
    "coloured_background": lambda b: edits.coloured_background(b, (120, 170, 230)),
    "shadow_beside_head": edits.shadow_beside_head,
    "green_cast": lambda b: np.clip(b.rgb * np.array([0.55, 1.15, 0.75]), 0, 255).astype(np.uint8),
}


@cache
def check(name: str, darker_skin: bool = False, religious: bool = False) -> PhotoCheck:
    rgb = EDITS[name](edits.darker_base() if darker_skin else edits.base())
    return check_photo_detailed(edits.encode(rgb), religious_headgear_declared=religious)


def result(c: PhotoCheck, rule: str) -> RuleResult:
    return next(r for r in c.verdict.results if r.rule == rule)


def status(name: str, rule: str, **kwargs: bool) -> Status:
    return result(check(name, **kwargs), rule).status


def test_the_base_passes_every_appearance_rule() -> None:
    c = check("base")
    assert c.analysis is not None and c.analysis.main is not None
    for rule in APPEARANCE_RULES:
        assert result(c, rule).status is Status.PASS, result(c, rule)


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        ("glasses", "no_glasses"),
        ("sunglasses", "no_glasses"),
        ("cap", "no_headgear"),
        ("scarf", "no_headgear"),
        ("scarf", "ears_visible"),
        ("hair_over_ears", "ears_visible"),
        ("half_face_shadow", "even_lighting"),
        ("flash_hot_spot", "even_lighting"),
        ("busy_background", "plain_background"),
        ("dark_background", "plain_background"),
        ("coloured_background", "plain_background"),
        ("shadow_beside_head", "plain_background"),
    ],
)
def test_each_edit_fails_the_rule_it_breaks(edit: str, rule: str) -> None:
    assert status(edit, rule) is Status.FAIL, result(check(edit), rule)


@pytest.mark.parametrize(
    ("edit", "untouched"),
    [
        ("glasses", ("no_headgear", "ears_visible", "even_lighting", "plain_background")),
        ("cap", ("no_glasses", "ears_visible", "even_lighting", "plain_background")),
        ("hair_over_ears", ("no_glasses", "no_headgear", "even_lighting", "plain_background")),
        ("flash_hot_spot", ("no_glasses", "no_headgear", "ears_visible", "plain_background")),
        ("busy_background", ("no_glasses", "no_headgear", "ears_visible", "even_lighting")),
        ("dark_background", ("no_glasses", "no_headgear", "ears_visible", "even_lighting")),
        ("shadow_beside_head", ("no_glasses", "no_headgear", "ears_visible", "even_lighting")),
    ],
)
def test_an_edit_leaves_the_other_rules_passing(edit: str, untouched: tuple[str, ...]) -> None:
    for rule in untouched:
        assert status(edit, rule) is Status.PASS, (rule, result(check(edit), rule))


def test_a_colour_cast_is_left_to_natural_colour() -> None:
    """Green light turns brown hair greenish: that is a cast (natural_colour), not a green hat."""
    c = check("green_cast")
    assert result(c, "natural_colour").status is not Status.PASS
    for rule in ("no_headgear", "ears_visible", "no_glasses", "even_lighting"):
        assert result(c, rule).status is Status.PASS, result(c, rule)


def test_real_glasses_and_flag_background_fail() -> None:
    """Grace Hopper's portrait (matplotlib's sample data): real spectacles, a flag behind her."""
    import matplotlib.cbook

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    with open(path, "rb") as handle:
        c = check_photo_detailed(handle.read())
    assert result(c, "no_glasses").status is Status.FAIL
    assert result(c, "plain_background").status is Status.FAIL


@pytest.mark.parametrize(
    ("hair", "colour", "expected"),
    [
        # Grey hair under greenish daylight (CIELAB L* 46, a* -4, b* 15: hue ~105 degrees).
        ("olive-tinted grey", (112, 110, 84), Status.PASS),
        # Dark hair under magenta stage light (L* 13, a* 7, b* -5: hue ~326 degrees).
        ("magenta-lit dark", (40, 30, 40), Status.PASS),
        # The same shape in navy fabric (L* 15, b* -26: hue ~290 degrees) is a covering.
        ("navy fabric", (30, 35, 75), Status.FAIL),
    ],
)
def test_hair_in_coloured_light_is_hair_but_blue_fabric_is_not(
    hair: str, colour: tuple[int, int, int], expected: Status
) -> None:
    c = check_photo_detailed(edits.encode(edits.recolour_hair(edits.base(), colour)))
    assert result(c, "no_headgear").status is expected, (hair, result(c, "no_headgear"))


@pytest.mark.parametrize(
    ("what", "edit", "colour", "expected"),
    [
        # Maroon (L* 20, hue ~12 degrees, chroma 35): redder than any hair pigment.
        ("maroon cap", edits.cap, (95, 20, 40), Status.REVIEW),
        # Hair dyed burgundy has the same colour: a person tells a cap from hair, never a fail.
        ("burgundy-dyed hair", edits.recolour_hair, (90, 25, 40), Status.REVIEW),
        # Auburn (hue ~50 degrees) is a melanin colour: hair.
        ("auburn hair", edits.recolour_hair, (125, 60, 30), Status.PASS),
    ],
)
def test_crimson_material_on_the_head_goes_to_a_person(
    what: str,
    edit: Callable[[edits.Base, tuple[int, int, int]], np.ndarray],
    colour: tuple[int, int, int],
    expected: Status,
) -> None:
    c = check_photo_detailed(edits.encode(edit(edits.base(), colour)))
    headgear = result(c, "no_headgear")
    assert headgear.status is expected, (what, headgear)
    if expected is Status.REVIEW:
        covering = float(headgear.details["covering_share"])
        crimson = float(headgear.details["crimson_share"])
        line = default_policy().no_headgear.covering_share_pass
        assert covering <= line < covering + crimson  # crimson alone tips it to review
        assert "not sure whether you wear a head covering" in headgear.message_en


def test_a_declared_religious_covering_in_crimson_gets_the_respectful_message() -> None:
    rgb = edits.cap(edits.base(), (95, 20, 40))
    c = check_photo_detailed(edits.encode(rgb), religious_headgear_declared=True)
    headgear = result(c, "no_headgear")
    assert headgear.status is Status.REVIEW
    assert "religious head covering" in headgear.message_en


@pytest.mark.xfail(
    strict=True,
    reason="known limit: a dark navy cap with a shaded white top reads as "
    "hair colours (docs/photo-rules.md); strict, so a fix shows up here",
)
def test_grace_hoppers_uniform_cap_fails_headgear() -> None:
    """The cap in tests/images/cap_and_glasses_portrait.jpg (the same photo) is a head covering."""
    import matplotlib.cbook

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    with open(path, "rb") as handle:
        c = check_photo_detailed(handle.read())
    assert result(c, "no_headgear").status is Status.FAIL


def test_religious_headgear_declaration_turns_fail_into_review_and_nothing_else() -> None:
    plain, declared = check("scarf"), check("scarf", religious=True)
    assert result(plain, "no_headgear").status is Status.FAIL
    flagged = result(declared, "no_headgear")
    assert flagged.status is Status.REVIEW
    assert flagged.value == result(plain, "no_headgear").value
    assert "religiøst" in flagged.message_nb and "religious" in flagged.message_en
    for before, after in zip(plain.verdict.results, declared.verdict.results, strict=True):
        if before.rule != "no_headgear":
            assert (before.rule, before.status, before.value) == (
                after.rule,
                after.status,
                after.value,
            )
    # Without a covering the declaration changes nothing at all.
    assert status("base", "no_headgear", religious=True) is Status.PASS


@pytest.mark.parametrize(
    "edit", ["base", "half_face_shadow", "flash_hot_spot", "busy_background", "shadow_beside_head"]
)
def test_lighting_and_background_verdicts_do_not_depend_on_skin_tone(edit: str) -> None:
    for rule in ("even_lighting", "plain_background"):
        assert status(edit, rule, darker_skin=True) is status(edit, rule), rule
    # The skin really is darker: the face's mean brightness fell by over a third.
    light, dark = result(check(edit), "exposure"), result(check(edit, darker_skin=True), "exposure")
    assert isinstance(light.value, float) and isinstance(dark.value, float)
    assert dark.value < light.value * 0.65


def test_very_dark_skin_in_good_light_is_well_exposed_but_a_dark_photo_is_not() -> None:
    """The darker edit's face (ITA about -70 degrees, mean luma 65: under the 75 a light face
    needs) is well exposed: its eye whites are lit. The same photo under-exposed as a whole is
    not: its eye whites darken with everything else."""
    base = check("base")
    exposure = result(check("base", darker_skin=True), "exposure")
    policy = default_policy().exposure
    assert float(exposure.details["mean_luma"]) < policy.mean_luma_pass_low
    assert float(exposure.details["eye_white_luma"]) >= policy.eye_white_lit_luma
    assert exposure.status is Status.PASS, exposure
    assert result(base, "exposure").status is Status.PASS
    rgb = edits.darker_base().rgb
    dim = check_photo_detailed(edits.encode((rgb * 0.45).astype(np.uint8)))
    dark = result(dim, "exposure")
    assert float(dark.details["eye_white_luma"]) < policy.eye_white_lit_luma
    assert dark.status is not Status.PASS, dark
    assert "too dark" in dark.message_en


@pytest.mark.parametrize("rule", APPEARANCE_RULES)
def test_results_carry_value_threshold_messages_and_regions(rule: str) -> None:
    for edit in ("base", "glasses", "cap", "hair_over_ears", "half_face_shadow", "busy_background"):
        r = result(check(edit), rule)
        assert isinstance(r.value, float) and np.isfinite(r.value)
        assert r.threshold and r.message_nb and r.message_en and r.message_nb != r.message_en
        assert r.regions and all(len(region.points) >= 2 for region in r.regions)
    failing = result(
        check(
            {
                "no_glasses": "glasses",
                "no_headgear": "cap",
                "ears_visible": "hair_over_ears",
                "even_lighting": "half_face_shadow",
                "plain_background": "busy_background",
            }[rule]
        ),
        rule,
    )
    assert (
        failing.message_en != result(check("base"), rule).message_en
    )  # the fix, not the pass text


def test_appearance_rules_are_fast() -> None:
    timings = check("glasses").verdict.timings_ms
    spent = sum(timings[f"rule.{rule}"] for rule in APPEARANCE_RULES)
    assert spent < 250  # ms, generous for a loaded CI machine; the benchmark reports ~15 ms


def test_religious_declaration_makes_a_borderline_covering_a_respectful_review() -> None:
    from verifier.photo.rules.base import CheckContext, Measurement
    from verifier.photo.rules.no_headgear import NoHeadgear
    from verifier.policy import default_policy

    policy = default_policy()
    p = policy.no_headgear
    borderline = Measurement(value=(p.covering_share_pass + p.covering_share_fail) / 2)
    plain = NoHeadgear().judge(borderline, policy, CheckContext())
    declared = NoHeadgear().judge(
        borderline, policy, CheckContext(religious_headgear_declared=True)
    )
    assert plain.status is Status.REVIEW and "Ta av" in plain.message_nb
    assert declared.status is Status.REVIEW
    assert "Ta av" not in declared.message_nb and "Take off" not in declared.message_en
    assert "Takk" in declared.message_nb and "Thank you" in declared.message_en
