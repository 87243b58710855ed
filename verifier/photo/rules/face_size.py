"""face_size: enough pixels between the eyes for a printed card, and the whole head in frame
with room for the card crop."""

from __future__ import annotations

from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_low_is_bad,
)
from verifier.policy import Policy
from verifier.verdict import Region, RuleResult, Status


class FaceSize(PhotoRule):
    name = "face_size"
    messages = Messages(
        pass_nb="Ansiktet er stort nok og hele hodet er med.",
        pass_en="The face is large enough and the whole head is in the picture.",
        fix_nb="Ansiktet er for lite. Gå nærmere kameraet eller bruk et bilde med høyere oppløsning.",
        fix_en="The face is too small. Move closer to the camera or use a higher-resolution photo.",
    )
    cut_nb = "Hodet er kuttet eller for nær kanten. Ta bildet med litt luft rundt hele hodet og skuldrene."
    cut_en = "The head is cut off or too close to the edge. Leave some room around your whole head and shoulders."

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        h = face.head_height
        w, hgt = analysis.image.width, analysis.image.height
        half_width = max(face.face_width, face.head_height * 0.7) / 2
        centre_x = float(face.eye_midpoint[0])
        top = float(min(face.crown[1], face.chin[1]))
        bottom = float(max(face.crown[1], face.chin[1]))
        margins = {
            # Room around the head, as a share of head height (negative: cut off).
            "margin_top": top / h,
            "margin_bottom": (hgt - bottom) / h,
            "margin_left": (centre_x - half_width) / h,
            "margin_right": (w - centre_x - half_width) / h,
        }
        head_box = Region(
            "box",
            ((centre_x - half_width, top), (centre_x + half_width, bottom)),
            "head (chin to crown)",
        )
        eyes = Region(
            "line",
            (
                (float(face.right_eye_centre[0]), float(face.right_eye_centre[1])),
                (float(face.left_eye_centre[0]), float(face.left_eye_centre[1])),
            ),
            "inter-eye distance",
        )
        return Measurement(
            value=analysis.to_source(face.ied),
            details={"head_height_px": analysis.to_source(h), **margins},
            regions=(eyes, head_box),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.face_size
        threshold = f"IED >= {p.ied_pass_px:.0f} px (fail < {p.ied_fail_px:.0f} px)"
        size_status = grade_low_is_bad(m.value, p.ied_fail_px, p.ied_pass_px)
        d = m.details
        cut = (
            d["margin_top"] < p.min_top_margin_ratio
            or d["margin_bottom"] < p.min_bottom_margin_ratio
            or d["margin_left"] < p.min_side_margin_ratio
            or d["margin_right"] < p.min_side_margin_ratio
        )
        if cut:
            return self.result(Status.FAIL, m, threshold, fix_nb=self.cut_nb, fix_en=self.cut_en)
        return self.result(size_status, m, threshold)
