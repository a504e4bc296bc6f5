#!/usr/bin/python3
"""Writes the ONNX models `npm run bench` scores (bench/onnx-bench.ts), from scikit-learn fits:

    /usr/bin/python3 bench/models/make-onnx-models.py

- linear-20.onnx: a LinearRegression on 20 features as MatMul + Add in float64;
- trees-150.onnx: a 150-tree GradientBoostingRegressor (depth 3) as one TreeEnsembleRegressor,
  float32 in and out, as exporters write tree ensembles.
Both take one input `features` [N, 20]. The graphs are written as test/fixtures/onnx's are.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LinearRegression

HERE = os.path.dirname(os.path.abspath(__file__))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("fixtures", os.path.join(HERE, "../../test/fixtures/onnx/make-fixtures.py"))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)
fixtures.HERE = HERE

rng = np.random.default_rng(20)
x = rng.normal(size=(20000, 20))
y = x @ np.linspace(-2, 2, 20) + np.sin(x[:, 0]) * 2 + x[:, 1] * x[:, 2] + rng.normal(size=20000)

lr = LinearRegression().fit(x, y)
w = numpy_helper.from_array(lr.coef_.reshape(20, 1).astype(np.float64), "w")
b = numpy_helper.from_array(np.array([lr.intercept_], dtype=np.float64), "b")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["features", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["variable"])],
    "linear20", [helper.make_tensor_value_info("features", TensorProto.DOUBLE, ["N", 20])],
    [helper.make_tensor_value_info("variable", TensorProto.DOUBLE, ["N", 1])], initializer=[w, b])
fixtures.save("linear-20", graph)

xf = x.astype(np.float32).astype(np.float64)
gbr = GradientBoostingRegressor(n_estimators=150, max_depth=3, random_state=0).fit(xf, y)
graph = helper.make_graph([fixtures.tree_ensemble_regressor(gbr, 20, "variable")], "trees150",
                          [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 20])],
                          [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["N", 1])])
fixtures.save("trees-150", graph)
