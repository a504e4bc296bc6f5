#!/usr/bin/python3
"""Trains the challenger of this example, a scikit-learn gradient-boosting ensemble, and writes it
as ONNX to models/mpg-gbr.onnx:

    /usr/bin/python3 examples/cars-onnx/train-gbr.py

It trains on the train side of modelgate's stable split only (the split of data/cars.data.yml,
computed here as src/data/SPLIT.md pins it), so the rows modelgate holds out to compare it with
the champion are rows it has never seen. Needs numpy, scikit-learn and onnx (Debian:
python3-numpy python3-sklearn python3-onnx). No converter package: the graph is written with
onnx.helper; with skl2onnx you would write `to_onnx(pipeline, initial_types=[...])` with one input
per column, named like the column, as here.
"""
import json
import os
import struct
from datetime import date

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.ensemble import GradientBoostingRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
SALT, TEST_SHARE = "cars-v1", 0.25  # data/cars.data.yml: split
KEY = ["Name", "Year", "Weight_in_lbs"]  # data/cars.data.yml: key
NUMBERS = ["Weight_in_lbs", "Horsepower", "Displacement", "Acceleration", "Cylinders", "Year"]
ORIGINS = ["USA", "Europe", "Japan"]
M32 = 0xFFFFFFFF


def murmur3_x86_128(data):
    """MurmurHash3_x86_128, seed 0 (Austin Appleby's reference), as four 32-bit words."""
    c1, c2, c3, c4 = 0x239B961B, 0xAB0E9789, 0x38B34AE5, 0xA1E38B93
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & M32  # noqa: E731
    def fmix(h):
        h ^= h >> 16; h = (h * 0x85EBCA6B) & M32; h ^= h >> 13; h = (h * 0xC2B2AE35) & M32
        return h ^ (h >> 16)
    h = [0, 0, 0, 0]
    n = len(data) // 16
    for i in range(n):
        k = list(struct.unpack_from("<4I", data, i * 16))
        k[0] = (rotl((k[0] * c1) & M32, 15) * c2) & M32; h[0] ^= k[0]
        h[0] = (rotl(h[0], 19) + h[1]) & M32; h[0] = (h[0] * 5 + 0x561CCD1B) & M32
        k[1] = (rotl((k[1] * c2) & M32, 16) * c3) & M32; h[1] ^= k[1]
        h[1] = (rotl(h[1], 17) + h[2]) & M32; h[1] = (h[1] * 5 + 0x0BCAA747) & M32
        k[2] = (rotl((k[2] * c3) & M32, 17) * c4) & M32; h[2] ^= k[2]
        h[2] = (rotl(h[2], 15) + h[3]) & M32; h[2] = (h[2] * 5 + 0x96CD1C35) & M32
        k[3] = (rotl((k[3] * c4) & M32, 18) * c1) & M32; h[3] ^= k[3]
        h[3] = (rotl(h[3], 13) + h[0]) & M32; h[3] = (h[3] * 5 + 0x32AC3B17) & M32
    tail = data[n * 16:] + b"\0" * 16
    k = list(struct.unpack_from("<4I", tail))
    rest = len(data) & 15
    consts = [(c1, 15, c2), (c2, 16, c3), (c3, 17, c4), (c4, 18, c1)]
    for j in range(4):
        if rest > 4 * j:
            a, r, b = consts[j]
            h[j] ^= (rotl((k[j] * a) & M32, r) * b) & M32
    h = [x ^ len(data) for x in h]
    h[0] = (h[0] + h[1] + h[2] + h[3]) & M32
    h[1] = (h[1] + h[0]) & M32; h[2] = (h[2] + h[0]) & M32; h[3] = (h[3] + h[0]) & M32
    h = [fmix(x) for x in h]
    h[0] = (h[0] + h[1] + h[2] + h[3]) & M32
    h[1] = (h[1] + h[0]) & M32; h[2] = (h[2] + h[0]) & M32; h[3] = (h[3] + h[0]) & M32
    return h


def text(s):
    b = s.encode("utf-8")
    return struct.pack("<I", len(b)) + b


def position(salt, values):
    """A row's position in [0, 1) (src/data/SPLIT.md): test when below the test share."""
    out = text(salt)
    for v in values:
        if v is None:
            out += b"\x00"
        elif isinstance(v, str):
            out += b"\x02" + text(v)
        else:
            out += b"\x01" + struct.pack("<d", float(v) + 0.0)
    h = murmur3_x86_128(out)
    return ((h[1] * 2**32 + h[0]) >> 11) / 2**53


# The split must be modelgate's: check two of SPLIT.md's test vectors first.
assert position("modelgate", [42]) == 0.4985807668756631
assert position("modelgate", ["A11", 6, "A34", None, 1169.5]) == 0.4037028201632813


def ms(iso):
    return (date.fromisoformat(iso) - date(1970, 1, 1)).days * 86400000


def main():
    with open(os.path.join(HERE, "data/cars.json")) as f:
        rows = json.load(f)
    for r in rows:
        r["Year"] = ms(r["Year"])
    train = [r for r in rows if position(SALT, [r[k] for k in KEY]) >= TEST_SHARE and r["Miles_per_Gallon"] is not None]
    horsepower_median = float(np.median([r["Horsepower"] for r in train if r["Horsepower"] is not None]))
    def design(r):
        hp = r["Horsepower"] if r["Horsepower"] is not None else horsepower_median
        numbers = [float(r[c]) if c != "Horsepower" else float(hp) for c in NUMBERS]
        return numbers + [1.0 if r["Origin"] == o else 0.0 for o in ORIGINS]
    # Inputs reach the trees as float32, as ONNX Runtime feeds them.
    x = np.array([design(r) for r in train], dtype=np.float32).astype(np.float64)
    y = np.array([r["Miles_per_Gallon"] for r in train])
    gbr = GradientBoostingRegressor(n_estimators=200, max_depth=3, learning_rate=0.05, subsample=0.8, random_state=0).fit(x, y)

    import importlib.util
    spec = importlib.util.spec_from_file_location("fixtures", os.path.join(HERE, "../../test/fixtures/onnx/make-fixtures.py"))
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    trees = fixtures.tree_ensemble_regressor(gbr, x.shape[1], "Miles_per_Gallon")
    trees.input[0] = "design"

    nodes = [
        helper.make_node("Imputer", ["Horsepower"], ["Horsepower_imputed"], domain="ai.onnx.ml",
                         imputed_value_floats=[horsepower_median], replaced_value_float=float("nan")),
        helper.make_node("OneHotEncoder", ["Origin"], ["Origin_3d"], domain="ai.onnx.ml", cats_strings=ORIGINS, zeros=1),
        helper.make_node("Reshape", ["Origin_3d", "onehot_shape"], ["Origin_onehot"]),
        helper.make_node("Concat", [c if c != "Horsepower" else "Horsepower_imputed" for c in NUMBERS] + ["Origin_onehot"], ["design"], axis=1),
        trees,
    ]
    inputs = [helper.make_tensor_value_info(c, TensorProto.FLOAT, ["N", 1]) for c in NUMBERS]
    inputs.append(helper.make_tensor_value_info("Origin", TensorProto.STRING, ["N", 1]))
    shape = numpy_helper.from_array(np.array([-1, len(ORIGINS)], dtype=np.int64), "onehot_shape")
    graph = helper.make_graph(nodes, "mpg_gbr", inputs, [helper.make_tensor_value_info("Miles_per_Gallon", TensorProto.FLOAT, ["N", 1])],
                              initializer=[shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)],
                              producer_name="scikit-learn GradientBoostingRegressor (examples/cars-onnx/train-gbr.py)", producer_version="1")
    model.ir_version = 8
    onnx.checker.check_model(model)
    with open(os.path.join(HERE, "models/mpg-gbr.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    print(f"trained on {len(train)} of {len(rows)} rows; wrote models/mpg-gbr.onnx")


if __name__ == "__main__":
    main()
