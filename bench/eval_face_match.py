"""Face-match calibration figures: SFace cosine similarity of same-person and different-person
pairs from the labelled faces corpus, and what the policy thresholds make of them.

    .venv/bin/python -m bench.eval_face_match --corpus $CORPUS/faces

Identities come from file names: london_frl/NNN_xx (one person per NNN, neutral and smiling),
yalefaces/subjectNN.condition (lighting, glasses, expressions), headpose_ole/* (one person in
several poses), lfw_deepfunneled/* (one image per person). Other folders are left out because
their people are not labelled. Images are read directly (GIF included), not through the upload
decoder: this measures the face match, not the upload rules.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from verifier.id_docs.match.face import detect_faces, face_embedding
from verifier.policy import default_policy


def identity_of(relative: Path) -> str | None:
    folder, stem = relative.parts[0], relative.stem
    if folder == "london_frl":
        # NNN_03 / NNN_08 are one person; lisa1..lisa4 are one more.
        return "frl-" + ("lisa" if stem.startswith("lisa") else stem.split("_")[0])
    if folder == "yalefaces":
        return "yale-" + stem.split(".")[0]
    if folder == "headpose_ole":
        return "headpose-ole"
    if folder == "lfw_deepfunneled":
        return "lfw-" + stem
    return None


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus faces/ folder")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    policy = default_policy().id_documents

    embeddings: dict[Path, tuple[str, np.ndarray]] = {}
    no_face: list[str] = []
    times: list[float] = []
    for path in sorted(args.corpus.rglob("*")):
        if path.suffix.lower() not in (".jpg", ".jpeg", ".png", ".gif"):
            continue
        relative = path.relative_to(args.corpus)
        identity = identity_of(relative)
        if identity is None:
            continue
        rgb = np.asarray(Image.open(path).convert("RGB"))
        started = time.perf_counter()
        faces = detect_faces(rgb, policy.face_detection_score)
        if not faces:
            no_face.append(str(relative))
            continue
        embeddings[relative] = (identity, face_embedding(rgb, faces[0]))
        times.append((time.perf_counter() - started) * 1000)

    genuine: list[float] = []
    impostor: list[float] = []
    for (_, (id_a, emb_a)), (_, (id_b, emb_b)) in itertools.combinations(embeddings.items(), 2):
        similarity = float(np.dot(emb_a, emb_b))
        (genuine if id_a == id_b else impostor).append(similarity)

    def rates(values: list[float]) -> dict[str, float]:
        n = max(1, len(values))
        return {
            "pairs": len(values),
            "pass": sum(v >= policy.face_similarity_pass for v in values) / n,
            "review": sum(
                policy.face_similarity_fail <= v < policy.face_similarity_pass for v in values
            )
            / n,
            "fail": sum(v < policy.face_similarity_fail for v in values) / n,
            "min": min(values, default=float("nan")),
            "p5": percentile(values, 5),
            "median": percentile(values, 50),
            "p95": percentile(values, 95),
            "max": max(values, default=float("nan")),
        }

    figures = {
        "thresholds": {"pass": policy.face_similarity_pass, "fail": policy.face_similarity_fail},
        "images_with_face": len(embeddings),
        "images_without_face": no_face,
        "same_person": rates(genuine),
        "different_people": rates(impostor),
        "median_ms_detect_and_embed": statistics.median(times) if times else float("nan"),
    }
    print(f"images with a face: {len(embeddings)}, without: {len(no_face)}")
    print(
        f"thresholds: pass >= {policy.face_similarity_pass}, fail < {policy.face_similarity_fail}"
    )
    for label, key in (("same person", "same_person"), ("different people", "different_people")):
        r = figures[key]
        assert isinstance(r, dict)
        print(
            f"{label:17} pairs {r['pairs']:5d}  pass {r['pass']:.3f}  review {r['review']:.3f}  "
            f"fail {r['fail']:.3f}  | min {r['min']:.3f} p5 {r['p5']:.3f} "
            f"median {r['median']:.3f} p95 {r['p95']:.3f} max {r['max']:.3f}"
        )
    print(f"median ms per image (detect + embed): {figures['median_ms_detect_and_embed']:.1f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
