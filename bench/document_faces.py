"""The face on each identity document of the corpus, as the face match sees it: YuNet's score
and the face's width as a share of the document image's longer side, against the policy's
minimum for a document portrait (`[id_documents] document_face_min_score`,
`document_face_min_width_share`).

    .venv/bin/python -m bench.document_faces --corpus $CORPUS/mrz

Images go through the upload decoder at the document resolution, as in `check_id_document`.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from verifier.decode import DecodeError, decode_image
from verifier.id_docs.match.face import detect_faces
from verifier.policy import default_policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus's mrz/ folder")
    args = parser.parse_args()
    policy = default_policy()
    ids = policy.id_documents
    kept: list[tuple[float, float]] = []
    lost: list[str] = []
    without = 0
    with (args.corpus / "manifest.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        try:
            decoded = decode_image(
                (args.corpus / row["file"]).read_bytes(), policy.decode, long_side=ids.mrz_long_side
            )
        except DecodeError as exc:
            print(f"{row['file']}: not decoded ({exc.code})")
            continue
        faces = detect_faces(decoded.rgb, ids.face_detection_score)
        if not faces:
            without += 1
            continue
        face = faces[0]
        share = face.box[2] / max(decoded.rgb.shape[:2])
        usable = (
            face.score >= ids.document_face_min_score and share >= ids.document_face_min_width_share
        )
        (kept.append((face.score, share)) if usable else lost.append(row["file"]))
        print(
            f"{row['file']}: score {face.score:.2f}, width {share:.3f}{'' if usable else '  (below the minimum)'}"
        )
    print(f"\n{len(rows)} images: {len(kept) + len(lost)} with a face, {without} without")
    if kept:
        print(
            f"faces used: score {min(s for s, _ in kept):.2f}-{max(s for s, _ in kept):.2f}, "
            f"width {min(w for _, w in kept):.3f}-{max(w for _, w in kept):.3f}"
        )
    print(f"faces below the minimum (to review): {len(lost)} {lost}")


if __name__ == "__main__":
    main()
