"""check_photo: bytes in, PhotoVerdict out. decode → analyse once → every rule → verdict."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from verifier.decode import DecodedImage, DecodeError, decode_image
from verifier.model_files import ModelFileError
from verifier.photo.analysis import FaceAnalysis
from verifier.photo.card_crop import CardCrop, make_card_crop
from verifier.photo.rules import ALL_RULES
from verifier.photo.rules.base import CheckContext, PhotoRule
from verifier.photo.verdict import PhotoVerdict
from verifier.photo.working_resolution import analyse_at_working_resolution
from verifier.policy import Policy, default_policy
from verifier.verdict import RuleResult, Status

READABLE_RULE = "readable"

log = logging.getLogger(__name__)


@dataclass
class PhotoCheck:
    """A verdict together with what produced it (for drawing and evaluation)."""

    verdict: PhotoVerdict
    analysis: FaceAnalysis | None
    card_crop: CardCrop | None


def unreadable_verdict(error: DecodeError, policy: Policy, elapsed_ms: float) -> PhotoVerdict:
    result = RuleResult(
        rule=READABLE_RULE,
        status=Status.FAIL,
        value=str(error.code),
        threshold="a still JPEG, PNG, WebP or HEIC photo within the size limits",
        message_nb=error.message_nb,
        message_en=error.message_en,
        details={"detail": error.detail[:200]} if error.detail else {},
    )
    return PhotoVerdict.from_results(
        [result], policy.version, unreadable_code=str(error.code), timings_ms={"total": elapsed_ms}
    )


def rule_error_result(rule: PhotoRule, error: Exception) -> RuleResult:
    """A rule that raised: its own result goes to a person (`review`), with the error's reason;
    the other rules' results stand (as OFIQ's executor records a failed measure)."""
    reason = f"{type(error).__name__}: {error}"[:200]
    return RuleResult(
        rule=rule.name,
        status=Status.REVIEW,
        value=None,
        threshold="the rule could not be evaluated",
        message_nb="Denne kontrollen kunne ikke gjøres automatisk. En saksbehandler vurderer bildet.",
        message_en="This check could not be made automatically. A person will review the photo.",
        details={"error": reason},
    )


def run_rules(
    analysis: FaceAnalysis,
    policy: Policy,
    context: CheckContext,
    rules: tuple[PhotoRule, ...] = ALL_RULES,
    timings: dict[str, float] | None = None,
) -> list[RuleResult]:
    results = []
    has_face = analysis.main is not None
    for rule in rules:
        if rule.needs_face and not has_face:
            continue  # nothing to measure; face_present already fails the photo
        started = time.perf_counter()
        try:
            results.append(rule.evaluate(analysis, policy, context))
        except (ModelFileError, ImportError):
            raise  # a missing or altered model or runtime is the deployment's fault: stop, loudly
        except Exception as error:  # one faulty rule must not discard the others' results
            log.exception("photo rule %s raised; recorded as review", rule.name)
            results.append(rule_error_result(rule, error))
        if timings is not None:
            timings[f"rule.{rule.name}"] = (time.perf_counter() - started) * 1000
    return results


def check_decoded(
    image: DecodedImage,
    *,
    policy: Policy,
    context: CheckContext,
    with_card_crop: bool = True,
    timings: dict[str, float] | None = None,
) -> PhotoCheck:
    timings = {} if timings is None else timings
    started = time.perf_counter()
    image, analysis = analyse_at_working_resolution(image, policy.faces, policy.segmentation)
    timings["analyse"] = (time.perf_counter() - started) * 1000
    results = run_rules(analysis, policy, context, timings=timings)
    crop = None
    if with_card_crop and analysis.main is not None:
        started = time.perf_counter()
        crop = make_card_crop(image, analysis.main, policy.card)
        timings["card_crop"] = (time.perf_counter() - started) * 1000
    verdict = PhotoVerdict.from_results(
        results,
        policy.version,
        source_size=image.source_size,
        source_format=image.source_format,
        was_grayscale=image.was_grayscale,
        timings_ms=timings,
        card_crop=crop.rgb if crop is not None else None,
    )
    return PhotoCheck(verdict, analysis, crop)


def check_photo_detailed(
    data: bytes,
    *,
    policy: Policy | None = None,
    religious_headgear_declared: bool = False,
    with_card_crop: bool = True,
) -> PhotoCheck:
    policy = policy or default_policy()
    started = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        image = decode_image(data, policy.decode)
    except DecodeError as error:
        return PhotoCheck(
            unreadable_verdict(error, policy, (time.perf_counter() - started) * 1000), None, None
        )
    timings["decode"] = (time.perf_counter() - started) * 1000
    check = check_decoded(
        image,
        policy=policy,
        context=CheckContext(religious_headgear_declared=religious_headgear_declared),
        with_card_crop=with_card_crop,
        timings=timings,
    )
    timings["total"] = (time.perf_counter() - started) * 1000
    return check


def check_photo(
    data: bytes,
    *,
    policy: Policy | None = None,
    religious_headgear_declared: bool = False,
    with_card_crop: bool = True,
) -> PhotoVerdict:
    """The portrait verdict. Never raises for bad input: an unreadable upload is a `fail`."""
    return check_photo_detailed(
        data,
        policy=policy,
        religious_headgear_declared=religious_headgear_declared,
        with_card_crop=with_card_crop,
    ).verdict
