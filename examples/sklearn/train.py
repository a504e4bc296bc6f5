"""The training script modelgate runs for this example (`algorithm: { type: command }`).

The usual script reads data.csv, splits it and prints a score. Here modelgate does the split,
the search, the cross-validation and the comparison; the script only fits, on the rows it is
given, and writes the model as ONNX:

    MODELGATE_TRAIN     CSV with a header: the features, then the target (train rows only)
    MODELGATE_FEATURES  JSON list of the feature names, in the model's input order
    MODELGATE_TARGET    the target column
    MODELGATE_PARAMS    JSON: this fit's parameters (the search space's keys)
    MODELGATE_SEED      the spec's seed
    MODELGATE_OUTPUT    where to write model.onnx
    MODELGATE_METRICS   optional JSON Lines of curve points, e.g. {"step": 1, "loss": 0.3}
"""
import json
import os

import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LinearRegression

from onnx_export import gbr_to_onnx, linear_to_onnx

data = pd.read_csv(os.environ["MODELGATE_TRAIN"])
features = json.loads(os.environ["MODELGATE_FEATURES"])
params = json.loads(os.environ["MODELGATE_PARAMS"])
seed = int(os.environ["MODELGATE_SEED"])

# The model imputes like this too (its first node), so scoring sees what training saw.
fill = data[features].median()
X = data[features].fillna(fill).astype("float32").astype("float64")
y = data[os.environ["MODELGATE_TARGET"]]

if params.get("model", "linear") == "linear":
    model = LinearRegression().fit(X, y)
    onnx_model = linear_to_onnx(model, fill)
else:
    model = GradientBoostingRegressor(
        n_estimators=int(params.get("n_estimators", 200)),
        max_depth=int(params.get("max_depth", 3)),
        learning_rate=float(params.get("learning_rate", 0.05)),
        random_state=seed,
    ).fit(X, y)
    onnx_model = gbr_to_onnx(model, fill)
    with open(os.environ["MODELGATE_METRICS"], "a") as log:
        for step, loss in enumerate(model.train_score_, start=1):
            log.write(json.dumps({"step": step, "loss": float(loss)}) + "\n")

with open(os.environ["MODELGATE_OUTPUT"], "wb") as f:
    f.write(onnx_model.SerializeToString())
print(f"fitted {type(model).__name__} {params} on {len(data)} rows")
