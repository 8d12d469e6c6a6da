#!/usr/bin/python3
"""SciPy oracle of nnfc's image augmentation (issue 26 item 5, data.augment):
writes pkg/data/testdata/scipy_augment.json, which pkg/data's tests read.

Run once with Debian's python3-scipy (/usr/bin/python3; the file is
committed, CI does not need SciPy):

    /usr/bin/python3 scripts/scipy-augment-oracle.py

Each case is a 28x28 picture (values 0..255), two displacement fields of
uniform noise in [-1, 1] (dx, dy), the elastic alpha and sigma and the
affine parameters (dx/dy shift, angle in degrees, zoom, flip), with:
  - field_x, field_y: alpha * scipy.ndimage.gaussian_filter(noise, sigma,
    mode="constant", cval=0, truncate=4.0) (Simard et al. 2003's smoothing);
  - out: scipy.ndimage.map_coordinates(picture, coords, order=1,
    mode="grid-constant", cval=0): bilinear, 0 outside the picture, where
    coords are the inverse of nnfc's forward map (zoom and rotation about
    the center, the shift, the flip, then the elastic displacement), as
    pkg/data/augment.go documents it.
"""
import json
import math
import os

import numpy as np
from scipy import ndimage

rng = np.random.default_rng(2605)
H = W = 28
cases = []
for name, alpha, sigma, shift, angle, zoom, flip in [
    ("elastic only", 34.0, 4.0, (0, 0), 0.0, 1.0, False),
    ("elastic + rotate + zoom + shift", 34.0, 4.0, (2, -1), 12.5, 1.08, False),
    ("affine only, flipped", 0.0, 4.0, (-1, 2), -8.0, 0.93, True),
    ("strong elastic sigma 3", 60.0, 3.0, (1, 1), 5.0, 1.0, True),
]:
    pic = rng.integers(0, 256, size=(H, W)).astype(np.float64)
    nx = rng.uniform(-1, 1, size=(H, W))
    ny = rng.uniform(-1, 1, size=(H, W))
    fx = alpha * ndimage.gaussian_filter(nx, sigma, mode="constant", cval=0.0, truncate=4.0)
    fy = alpha * ndimage.gaussian_filter(ny, sigma, mode="constant", cval=0.0, truncate=4.0)
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    u, v = xs + fx, ys + fy  # the elastic step, last of the forward map
    if flip:
        u = (W - 1) - u
    cx, cy = (W - 1) / 2, (H - 1) / 2
    u = u - shift[0] - cx
    v = v - shift[1] - cy
    th = math.radians(angle)
    c, s = math.cos(th) / zoom, math.sin(th) / zoom
    sx = c * u - s * v + cx
    sy = s * u + c * v + cy
    out = ndimage.map_coordinates(pic, [sy, sx], order=1, mode="grid-constant", cval=0.0)
    cases.append({
        "name": name, "alpha": alpha, "sigma": sigma, "shift": list(shift), "angle": angle,
        "zoom": zoom, "flip": flip,
        "picture": pic.ravel().tolist(), "noise_x": nx.ravel().tolist(), "noise_y": ny.ravel().tolist(),
        "field_x": fx.ravel().tolist(), "field_y": fy.ravel().tolist(), "out": out.ravel().tolist(),
    })
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pkg", "data", "testdata", "scipy_augment.json")
with open(path, "w") as f:
    json.dump({"scipy": __import__("scipy").__version__, "cases": cases}, f)
print("wrote", os.path.normpath(path), len(cases), "cases")
