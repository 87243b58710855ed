"""A closed-mouth frown that only the expression classifier catches.

An angry face with the mouth closed (brows drawn down and together, a glare, pressed lips) moves
no landmark further than brows and lids differ between people at rest: the blendshape browDown
of many resting faces is 0.5-0.7, brows sit low on many faces, and the mouth keeps its width and
its corners. So the blendshape and geometry measures of expression_neutral let such a frown
through, and the rule also asks an expression classifier, which reads the whole face (the
brows' slant, the lids, the lips together) as people trained it to, and sends what it alone
sees to review (verifier/photo/expression_model.py).

The frown is made here from the committed compliant portrait by warping its face
(tests/photo/support/expression_edits.py): the inner brow ends 0.18 inter-eye distances lower
(about 11 mm) and 0.05 nearer each other, the outer ends 0.03 higher, the upper lids 30 % of the
eye's opening higher, each lip 30 % thinner; the mouth stays closed. The classifier needs the
brows' slant: brows lowered evenly, or with narrowed eyes instead of a glare, read far less angry
at the same drop.
"""

from __future__ import annotations

import dataclasses

from tests.photo.support.expression_edits import compliant_portrait, frowning_portrait_png
from tests.photo.support.portrait_edits import encode
from verifier.photo.check import check_photo_detailed
from verifier.photo.rules.expression_neutral import geometry_grades
from verifier.policy import default_policy
from verifier.verdict import RuleResult, Status

POLICY = default_policy()
LIMIT = POLICY.expression.model_review_above
CLASSIFIER_OFF = dataclasses.replace(
    POLICY, expression=dataclasses.replace(POLICY.expression, model_review_above=1.0)
)


def _expression(data: bytes, classifier_off: bool = False) -> RuleResult:
    policy = CLASSIFIER_OFF if classifier_off else POLICY
    result = check_photo_detailed(data, policy=policy).verdict.result("expression_neutral")
    assert result is not None
    return result


def test_the_unedited_portrait_reads_neutral() -> None:
    result = _expression(encode(compliant_portrait()))
    assert result.status is Status.PASS
    assert float(result.details["not_neutral"]) < 0.05


def test_a_closed_mouth_frown_goes_to_review_only_because_of_the_classifier() -> None:
    check = check_photo_detailed(frowning_portrait_png())
    mouth = check.verdict.result("mouth_closed")
    assert mouth is not None and mouth.status is Status.PASS
    result = check.verdict.result("expression_neutral")
    assert result is not None and result.status is Status.REVIEW
    d = result.details
    assert float(d["not_neutral"]) > LIMIT
    assert float(d["classifier_angry"]) > LIMIT
    assert "Relax your whole face" in result.message_en
    # What the blendshapes and the geometry read lets the frown through.
    p = POLICY.expression
    assert float(d["frown"]) <= p.frown_pass
    assert float(d["smile"]) <= p.smile_pass
    assert float(d["brows_raised"]) <= p.brows_raised_pass
    assert all(grade is Status.PASS for grade in geometry_grades(d, POLICY).values())


def test_with_the_classifier_off_the_frown_passes() -> None:
    result = _expression(frowning_portrait_png(), classifier_off=True)
    assert result.status is Status.PASS
    assert float(result.details["not_neutral"]) > LIMIT  # still read, no longer judged
