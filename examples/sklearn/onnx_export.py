"""Writes a fitted scikit-learn LinearRegression or GradientBoostingRegressor as ONNX with
onnx.helper, for machines without skl2onnx. With skl2onnx installed, the one-liner is

    onnx_model = skl2onnx.to_onnx(model, X.astype(numpy.float32)[:1])

The graph takes one float input `features` [N, k] (the spec's features, in order), replaces a
missing value (NaN) by the given fill value of its column, and returns `prediction` [N, 1].
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ML = "ai.onnx.ml"


def _imputer(fill):
    return helper.make_node("Imputer", ["features"], ["imputed"], domain=ML,
                            imputed_value_floats=[float(v) for v in fill], replaced_value_float=float("nan"))


def _model(nodes, k, initializers, producer):
    graph = helper.make_graph(
        nodes, "model", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", k])],
        [helper.make_tensor_value_info("prediction", TensorProto.FLOAT, ["N", 1])], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, 1)],
                              producer_name=producer, producer_version="1")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def linear_to_onnx(lr, fill):
    """LinearRegression: Imputer, MatMul, Add."""
    k = len(fill)
    w = numpy_helper.from_array(np.asarray(lr.coef_, dtype=np.float32).reshape(k, 1), "w")
    b = numpy_helper.from_array(np.array([lr.intercept_], dtype=np.float32), "b")
    nodes = [_imputer(fill), helper.make_node("MatMul", ["imputed", "w"], ["xw"]),
             helper.make_node("Add", ["xw", "b"], ["prediction"])]
    return _model(nodes, k, [w, b], "scikit-learn LinearRegression")


def gbr_to_onnx(gbr, fill):
    """GradientBoostingRegressor (squared error): Imputer, one TreeEnsembleRegressor."""
    a = {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
                         "nodes_truenodeids", "nodes_falsenodeids", "target_treeids", "target_nodeids",
                         "target_ids", "target_weights"]}
    for t, est in enumerate(gbr.estimators_[:, 0]):
        tree = est.tree_
        for n in range(tree.node_count):
            leaf = tree.children_left[n] == -1
            a["nodes_treeids"].append(t)
            a["nodes_nodeids"].append(n)
            a["nodes_featureids"].append(0 if leaf else int(tree.feature[n]))
            a["nodes_values"].append(0.0 if leaf else float(tree.threshold[n]))
            a["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            a["nodes_truenodeids"].append(0 if leaf else int(tree.children_left[n]))
            a["nodes_falsenodeids"].append(0 if leaf else int(tree.children_right[n]))
            if leaf:
                a["target_treeids"].append(t)
                a["target_nodeids"].append(n)
                a["target_ids"].append(0)
                a["target_weights"].append(float(gbr.learning_rate * tree.value[n, 0, 0]))
    base = float(gbr.init_.constant_[0, 0])
    trees = helper.make_node("TreeEnsembleRegressor", ["imputed"], ["prediction"], domain=ML, n_targets=1,
                             base_values=[base], aggregate_function="SUM", post_transform="NONE", **a)
    return _model([_imputer(fill), trees], len(fill), [], "scikit-learn GradientBoostingRegressor")
