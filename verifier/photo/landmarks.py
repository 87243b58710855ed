"""Named MediaPipe Face Mesh landmark indices (478-point topology with irises).

"Right"/"left" are the subject's own sides: the subject's right eye is on the image's left.
"""

from __future__ import annotations

RIGHT_EYE_OUTER = 33
RIGHT_EYE_INNER = 133
RIGHT_EYE_UPPER = (160, 159, 158)
RIGHT_EYE_LOWER = (144, 145, 153)
RIGHT_EYE_CONTOUR = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
RIGHT_IRIS_CENTRE = 468
RIGHT_IRIS_RING = (469, 470, 471, 472)

LEFT_EYE_OUTER = 263
LEFT_EYE_INNER = 362
LEFT_EYE_UPPER = (387, 386, 385)
LEFT_EYE_LOWER = (373, 374, 380)
LEFT_EYE_CONTOUR = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)
LEFT_IRIS_CENTRE = 473
LEFT_IRIS_RING = (474, 475, 476, 477)

RIGHT_BROW = (70, 63, 105, 66, 107)
LEFT_BROW = (300, 293, 334, 296, 336)
# The brows' lower edges, outer end to inner end.
RIGHT_BROW_LOWER = (46, 53, 52, 65, 55)
LEFT_BROW_LOWER = (276, 283, 282, 295, 285)

MOUTH_RIGHT_CORNER = 61
MOUTH_LEFT_CORNER = 291
UPPER_LIP_INNER = 13
LOWER_LIP_INNER = 14
UPPER_LIP_OUTER = 0
LOWER_LIP_OUTER = 17
MOUTH_OUTER = (
    61,
    185,
    40,
    39,
    37,
    0,
    267,
    269,
    270,
    409,
    291,
    375,
    321,
    405,
    314,
    17,
    84,
    181,
    91,
    146,
)
INNER_LIP_PAIRS = ((82, 87), (13, 14), (312, 317))

NOSE_TIP = 1
NOSE_BRIDGE = 168
FOREHEAD_TOP = 10
CHIN = 152
RIGHT_FACE_EDGE = 234  # beside the subject's right ear (image left)
LEFT_FACE_EDGE = 454  # beside the subject's left ear (image right)
RIGHT_CHEEK = 205
LEFT_CHEEK = 425
# The jaw line from ear to chin on each side (the face oval's lower half, as the 68-point
# scheme's jaw points 0-16 trace it).
RIGHT_JAW = (234, 93, 132, 58, 172, 136, 150, 149, 176, 148)  # image left, ear to chin
LEFT_JAW = (377, 400, 378, 379, 365, 397, 288, 361, 323, 454)  # image right, chin to ear

FACE_OVAL = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)
