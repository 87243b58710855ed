"""pose: the head faces the camera (yaw, pitch and roll small)."""

from __future__ import annotations

from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
)
from verifier.policy import Policy
from verifier.verdict import Region, RuleResult, combine


class Pose(PhotoRule):
    name = "pose"
    messages = Messages(
        pass_nb="Hodet er rett forfra.",
        pass_en="The head faces the camera.",
        fix_nb="Se rett inn i kameraet med hodet rett, uten å snu, vippe eller helle det.",
        fix_en="Face the camera straight on, without turning, tilting or leaning your head.",
    )

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        pose = face.pose
        nose = face.xy(1)
        axis = Region(
            "line",
            (
                (float(face.chin[0]), float(face.chin[1])),
                (float(nose[0]), float(nose[1])),
                (float(face.eye_midpoint[0]), float(face.eye_midpoint[1])),
            ),
            "head axis",
        )
        return Measurement(
            value=max(abs(pose.yaw), abs(pose.pitch), abs(pose.roll)),
            details={"yaw_deg": pose.yaw, "pitch_deg": pose.pitch, "roll_deg": pose.roll},
            regions=(axis,),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.pose
        d = m.details
        status = combine(
            (
                grade_high_is_bad(abs(d["yaw_deg"]), p.yaw_pass_deg, p.yaw_fail_deg),
                grade_high_is_bad(abs(d["pitch_deg"]), p.pitch_pass_deg, p.pitch_fail_deg),
                grade_high_is_bad(abs(d["roll_deg"]), p.roll_pass_deg, p.roll_fail_deg),
            )
        )
        threshold = (
            f"|yaw| <= {p.yaw_pass_deg:g}°, |pitch| <= {p.pitch_pass_deg:g}°, "
            f"|roll| <= {p.roll_pass_deg:g}° (fail above {p.yaw_fail_deg:g}°/"
            f"{p.pitch_fail_deg:g}°/{p.roll_fail_deg:g}°)"
        )
        worst = max(
            ("yaw", abs(d["yaw_deg"]) / p.yaw_pass_deg),
            ("pitch", abs(d["pitch_deg"]) / p.pitch_pass_deg),
            ("roll", abs(d["roll_deg"]) / p.roll_pass_deg),
            key=lambda kv: kv[1],
        )[0]
        hints = {
            "yaw": (
                "Ikke snu hodet til siden: se rett inn i kameraet.",
                "Do not turn your head sideways: look straight into the camera.",
            ),
            "pitch": (
                "Hold hodet rett: ikke løft eller senk haken.",
                "Keep your head level: do not raise or lower your chin.",
            ),
            "roll": (
                "Hold hodet rett: ikke hell det mot en skulder.",
                "Keep your head upright: do not tilt it towards a shoulder.",
            ),
        }[worst]
        return self.result(status, m, threshold, fix_nb=hints[0], fix_en=hints[1])
