"""Every portrait rule, one module each; ALL_RULES is the order the verdict lists them in."""

from __future__ import annotations

from verifier.photo.rules.base import PhotoRule
from verifier.photo.rules.ears_visible import EarsVisible
from verifier.photo.rules.even_lighting import EvenLighting
from verifier.photo.rules.exposure import Exposure
from verifier.photo.rules.expression_neutral import ExpressionNeutral
from verifier.photo.rules.eyes_open import EyesOpen
from verifier.photo.rules.face_present import FacePresent
from verifier.photo.rules.face_size import FaceSize
from verifier.photo.rules.gaze import Gaze
from verifier.photo.rules.mouth_closed import MouthClosed
from verifier.photo.rules.natural_colour import NaturalColour
from verifier.photo.rules.no_glasses import NoGlasses
from verifier.photo.rules.no_headgear import NoHeadgear
from verifier.photo.rules.plain_background import PlainBackground
from verifier.photo.rules.pose import Pose
from verifier.photo.rules.sharpness import Sharpness
from verifier.photo.rules.single_face import SingleFace

ALL_RULES: tuple[PhotoRule, ...] = (
    FacePresent(),
    SingleFace(),
    FaceSize(),
    Pose(),
    EyesOpen(),
    Gaze(),
    MouthClosed(),
    ExpressionNeutral(),
    Sharpness(),
    Exposure(),
    NaturalColour(),
    NoGlasses(),
    NoHeadgear(),
    EarsVisible(),
    EvenLighting(),
    PlainBackground(),
)
