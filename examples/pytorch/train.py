"""The training script modelgate runs for this example (`algorithm: { type: command }`): a small
PyTorch network for credit risk, exported with torch.onnx.export.

modelgate does the split, the search, the cross-validation and the comparison; the script only
fits, on the rows it is given, and writes the model as ONNX (protocol version 1):

    MODELGATE_TRAIN           CSV with a header: the features, then the target (train rows only)
    MODELGATE_FEATURES        JSON list of the feature names
    MODELGATE_TARGET          the target column
    MODELGATE_POSITIVE_CLASS  the positive class, as the rows file writes it
    MODELGATE_PARAMS          JSON: this fit's parameters (hidden, weight_decay, epochs)
    MODELGATE_SEED            the spec's seed
    MODELGATE_OUTPUT          where to write model.onnx
    MODELGATE_METRICS         JSON Lines of curve points, e.g. {"step": 1, "loss": 0.3}

The model takes one input per column, named like it (numbers float [N, 1], categories string
[N, 1]) and outputs `probability` [N, 1], the positive class's. Its first part, written with
onnx.helper, one-hot encodes the categories (an unseen category gives zeros) and joins the
columns; the network, exported by torch.onnx.export, imputes, scales and scores them.
"""
import csv
import io
import json
import math
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, compose, helper

OPSET = 13

# Same rows, parameters and seed: the same weights and the same ONNX bytes.
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
seed = int(os.environ["MODELGATE_SEED"])
torch.manual_seed(seed)

features = json.loads(os.environ["MODELGATE_FEATURES"])
target = os.environ["MODELGATE_TARGET"]
positive = os.environ["MODELGATE_POSITIVE_CLASS"]
params = json.loads(os.environ["MODELGATE_PARAMS"])
hidden = int(params.get("hidden", 8))
weight_decay = float(params.get("weight_decay", 0.01))
epochs = int(params.get("epochs", 150))

with open(os.environ["MODELGATE_TRAIN"], newline="") as f:
    rows = list(csv.DictReader(f))
y = torch.tensor([[1.0 if r[target] == positive else 0.0] for r in rows])


def number(text):
    try:
        return float(text) if text != "" else math.nan
    except ValueError:
        return None


# Each column becomes one or more inputs of the network: a number, or one 0/1 per category seen.
numeric = {c: all(number(r[c]) is not None for r in rows) for c in features}
levels = {c: sorted({r[c] for r in rows} - {""}) for c in features if not numeric[c]}
blocks = []
for c in features:
    if numeric[c]:
        blocks.append(np.array([[number(r[c])] for r in rows], dtype=np.float32))
    else:
        blocks.append(np.array([[r[c] == v for v in levels[c]] for r in rows], dtype=np.float32))
X = torch.from_numpy(np.concatenate(blocks, axis=1))
fill = torch.nan_to_num(torch.nanmean(X, dim=0))
X = torch.where(torch.isnan(X), fill, X)
mean, std = X.mean(dim=0), X.std(dim=0)
std = torch.where(std > 0, std, torch.ones_like(std))


class Network(torch.nn.Module):
    """Imputes with the training means, scales, then one hidden layer and a sigmoid."""

    def __init__(self, width):
        super().__init__()
        self.register_buffer("fill", fill)
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(width, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
        )

    def logits(self, x):
        x = torch.where(torch.isnan(x), self.fill, x)
        return self.layers((x - self.mean) / self.std)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


net = Network(X.shape[1])
optimiser = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=weight_decay)
loss_of = torch.nn.BCEWithLogitsLoss()
with open(os.environ["MODELGATE_METRICS"], "a") as log:
    for epoch in range(1, epochs + 1):
        optimiser.zero_grad()
        loss = loss_of(net.logits(X), y)
        loss.backward()
        optimiser.step()
        if epoch % 5 == 0 or epoch == 1:
            log.write(json.dumps({"step": epoch, "loss": round(loss.item(), 6)}) + "\n")
net.eval()

# The network as ONNX: one float input x [N, width], output probability [N, 1].
buffer = io.BytesIO()
torch.onnx.export(
    net,
    torch.zeros(1, X.shape[1]),
    buffer,
    input_names=["x"],
    output_names=["probability"],
    dynamic_axes={"x": {0: "N"}, "probability": {0: "N"}},
    opset_version=OPSET,
)
network = onnx.load_from_string(buffer.getvalue())

# In front of it, the columns to x: one input per column; categories one-hot encoded.
inputs, nodes, parts = [], [], []
for c in features:
    if numeric[c]:
        inputs.append(helper.make_tensor_value_info(c, TensorProto.FLOAT, ["N", 1]))
        parts.append(c)
    else:
        inputs.append(helper.make_tensor_value_info(c, TensorProto.STRING, ["N", 1]))
        nodes.append(
            helper.make_node(
                "OneHotEncoder", [c], [f"{c}_onehot"], domain="ai.onnx.ml", cats_strings=levels[c], zeros=1
            )
        )
        nodes.append(helper.make_node("Flatten", [f"{c}_onehot"], [f"{c}_flat"], axis=1))
        nodes.append(helper.make_node("Cast", [f"{c}_flat"], [f"{c}_float"], to=TensorProto.FLOAT))
        parts.append(f"{c}_float")
nodes.append(helper.make_node("Concat", parts, ["columns"], axis=1))
encode = helper.make_model(
    helper.make_graph(
        nodes,
        "columns",
        inputs,
        [helper.make_tensor_value_info("columns", TensorProto.FLOAT, ["N", X.shape[1]])],
    ),
    opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", 1)],
    ir_version=network.ir_version,
)
model = compose.merge_models(encode, network, io_map=[("columns", "x")])
model.producer_name, model.producer_version = "pytorch", torch.__version__
onnx.checker.check_model(model)
with open(os.environ["MODELGATE_OUTPUT"], "wb") as f:
    f.write(model.SerializeToString())
print(f"fitted a network of {hidden} hidden units (weight decay {weight_decay}, {epochs} epochs)")
print(f"on {len(rows)} rows, {X.shape[1]} inputs; final training loss {loss.item():.4f}")
