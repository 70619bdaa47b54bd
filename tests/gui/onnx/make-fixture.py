#!/usr/bin/python3
"""Makes iris-mlp.onnx, the window test's ONNX model (test-window-onnx.c):
a 4-8-3 ReLU/softmax MLP trained by PyTorch on data/iris.csv for a few
hundred full-batch steps (seeded), exported with torch.onnx.export at its
default opset in eval mode.  Remake with: /usr/bin/python3 make-fixture.py"""
import csv
import os

import torch

here = os.path.dirname(os.path.abspath(__file__))
iris = os.path.join(here, "..", "..", "..", "data", "iris.csv")

torch.manual_seed(16)
rows = list(csv.reader(open(iris)))
header, rows = rows[0], rows[1:]
classes = []
for r in rows:
    if r[-1] not in classes:
        classes.append(r[-1])
x = torch.tensor([[float(v) for v in r[:-1]] for r in rows])
y = torch.tensor([classes.index(r[-1]) for r in rows])

net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                          torch.nn.Linear(8, 3), torch.nn.Softmax(dim=-1))
opt = torch.optim.Adam(net.parameters(), lr=0.05)
for step in range(300):
    opt.zero_grad()
    loss = torch.nn.functional.nll_loss(torch.log(net(x) + 1e-12), y)
    loss.backward()
    opt.step()
net.eval()
accuracy = (net(x).argmax(dim=1) == y).float().mean().item()
print(f"training loss {loss.item():.4f}, accuracy {accuracy:.3f}")
torch.onnx.export(net, x[:1], os.path.join(here, "iris-mlp.onnx"),
                  input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
