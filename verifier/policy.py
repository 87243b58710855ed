"""Typed access to the versioned policy file (thresholds, review bands, limits)."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.toml")


class PolicyError(ValueError):
    """The policy file is missing a section or key, or has one this code does not know."""


@dataclass(frozen=True)
class DecodeLimits:
    max_bytes: int
    max_pixels: int
    analysis_long_side: int


@dataclass(frozen=True)
class CardFormat:
    width_px: int
    height_px: int
    head_height_ratio: float
    top_margin_ratio: float


@dataclass(frozen=True)
class FacesPolicy:
    max_faces: int
    second_face_min_ied_ratio: float
    tile_fraction: float
    tile_grid: int
    refine_below_ied_px: float
    refine_target_ied_px: float
    refine_max_pixels: int


@dataclass(frozen=True)
class SegmentationPolicy:
    person_threshold: float
    edge_dilation_px: int
    band_width_faces: float
    min_face_coverage: float


@dataclass(frozen=True)
class FaceSizePolicy:
    ied_fail_px: float
    ied_pass_px: float
    min_top_margin_ratio: float
    min_side_margin_ratio: float
    min_bottom_margin_ratio: float


@dataclass(frozen=True)
class PosePolicy:
    yaw_pass_deg: float
    yaw_fail_deg: float
    pitch_pass_deg: float
    pitch_fail_deg: float
    roll_pass_deg: float
    roll_fail_deg: float


@dataclass(frozen=True)
class EyesOpenPolicy:
    openness_fail: float
    openness_pass: float
    relative_fail: float
    relative_pass: float


@dataclass(frozen=True)
class GazePolicy:
    horizontal_pass_deg: float
    horizontal_fail_deg: float
    vertical_pass: float
    vertical_fail: float


@dataclass(frozen=True)
class ExpressionPolicy:
    mouth_gap_pass: float
    mouth_gap_fail: float
    smile_pass: float
    smile_fail: float
    mouth_width_pass: float
    mouth_width_fail: float
    corner_lift_pass: float
    corner_lift_fail: float
    brows_raised_pass: float
    brows_raised_fail: float
    brow_height_pass: float
    brow_height_fail: float
    frown_pass: float
    frown_fail: float
    wink_pass: float
    wink_fail: float
    mirror_when_doubtful: bool
    model_review_above: float


@dataclass(frozen=True)
class SharpnessPolicy:
    normalised_ied_px: float
    focus_fail: float
    focus_pass: float
    blockiness_pass: float
    blockiness_fail: float


@dataclass(frozen=True)
class ExposurePolicy:
    dark_level: int
    bright_level: int
    clipped_dark_pass: float
    clipped_dark_fail: float
    clipped_bright_pass: float
    clipped_bright_fail: float
    mean_luma_fail_low: float
    mean_luma_pass_low: float
    mean_luma_pass_high: float
    mean_luma_fail_high: float
    eye_white_lit_luma: float
    eye_white_min_pixels: int


@dataclass(frozen=True)
class NaturalColourPolicy:
    colour_cast_pass: float
    colour_cast_fail: float


@dataclass(frozen=True)
class NoGlassesPolicy:
    frame_contrast_pass: float
    frame_contrast_fail: float
    lens_darkening_pass: float
    lens_darkening_fail: float


@dataclass(frozen=True)
class NoHeadgearPolicy:
    background_delta_e: float
    hair_max_l: float
    white_max_chroma: float
    covering_hue_from_deg: float
    covering_hue_to_deg: float
    covering_min_chroma: float
    hair_max_chroma: float
    crimson_hue_from_deg: float
    crimson_hue_to_deg: float
    crimson_min_chroma: float
    covering_share_pass: float
    covering_share_fail: float


@dataclass(frozen=True)
class EarsVisiblePolicy:
    ear_skin_rows_fail: float
    ear_skin_rows_pass: float
    yaw_hides_ear_deg: float


@dataclass(frozen=True)
class EvenLightingPolicy:
    side_ratio_pass_stops: float
    side_ratio_fail_stops: float
    hot_spot_pass: float
    hot_spot_fail: float


@dataclass(frozen=True)
class PlainBackgroundPolicy:
    median_fail_l: float
    median_pass_l: float
    dark_tenth_fail_l: float
    dark_tenth_pass_l: float
    saturation_pass: float
    saturation_fail: float
    texture_pass: float
    texture_fail: float
    shadow_pass_l: float
    shadow_fail_l: float


@dataclass(frozen=True)
class IdDocumentsPolicy:
    expiry_review_days: int
    face_detection_score: float
    document_face_min_score: float
    document_face_min_width_share: float
    face_similarity_pass: float
    face_similarity_fail: float
    mrz_long_side: int


@dataclass(frozen=True)
class MrzReaderPolicy:
    """What the MRZ reader reports, accepts and repairs (verifier/id_docs/mrz/reader.py,
    correct.py); the meaning of each field is in policy.toml."""

    max_candidates: int
    min_longest_line: int
    format_max_length_error_per_line: int
    min_mean_confidence: float
    min_confident_with_failures: float
    length_slack_per_line: int
    length_slack_per_line_valid_as_read: int
    min_hopeful_confidence: float
    settled_cost: float
    perspective_min_distortion: float
    min_confidence_to_repair: float
    repair_max_changes: int
    repair_max_cost: float
    repair_max_joint_cost: float
    repair_max_alternatives: int
    repair_min_margin: float
    max_lookalike_change_cost: float
    max_other_change_cost: float
    lookalike_run_max_cost: float
    unchecked_lookalike_run_max_cost: float
    country_code_max_cost: float
    name_prior_max_gap: float


@dataclass(frozen=True)
class Policy:
    version: str
    decode: DecodeLimits
    card: CardFormat
    faces: FacesPolicy
    segmentation: SegmentationPolicy
    face_size: FaceSizePolicy
    pose: PosePolicy
    eyes_open: EyesOpenPolicy
    gaze: GazePolicy
    expression: ExpressionPolicy
    sharpness: SharpnessPolicy
    exposure: ExposurePolicy
    natural_colour: NaturalColourPolicy
    no_glasses: NoGlassesPolicy
    no_headgear: NoHeadgearPolicy
    ears_visible: EarsVisiblePolicy
    even_lighting: EvenLightingPolicy
    plain_background: PlainBackgroundPolicy
    id_documents: IdDocumentsPolicy
    mrz_reader: MrzReaderPolicy


_T = TypeVar("_T")


def _section(cls: type[_T], name: str, table: Any) -> _T:
    if not isinstance(table, dict):
        raise PolicyError(f"policy section [{name}] is missing")
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(table) - set(known)
    missing = set(known) - set(table)
    if unknown:
        raise PolicyError(f"policy section [{name}] has unknown keys: {sorted(unknown)}")
    if missing:
        raise PolicyError(f"policy section [{name}] lacks keys: {sorted(missing)}")
    values = {}
    for key, f in known.items():
        value = table[key]
        # TOML writes 60 for 60.0; accept ints where floats are meant, nothing looser.
        if f.type in ("float", float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        values[key] = value
    return cls(**values)


def parse_policy(data: dict[str, Any]) -> Policy:
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise PolicyError("policy has no `version` string")
    sections: dict[str, Any] = {}
    for f in dataclasses.fields(Policy):
        if f.name == "version":
            continue
        section_cls = globals()[f.type] if isinstance(f.type, str) else f.type
        sections[f.name] = _section(section_cls, f.name, data.get(f.name))
    extra = set(data) - {f.name for f in dataclasses.fields(Policy)}
    if extra:
        raise PolicyError(f"policy has unknown sections: {sorted(extra)}")
    return Policy(version=version, **sections)


def load_policy(path: Path | str | None = None) -> Policy:
    """Reads and validates a policy file; the packaged one when no path is given."""
    policy_path = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        with policy_path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise PolicyError(f"policy file not found: {policy_path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {policy_path} is not valid TOML: {exc}") from exc
    return parse_policy(data)


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    return load_policy()
