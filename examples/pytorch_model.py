"""Example: a small PyTorch network with uitlegbaar's decorators.

    pip install -e ".[torch]"
    python examples/pytorch_model.py
    uitlegbaar card latest --declaration examples/uitlegbaar.yaml --format html -o model-card.html
    uitlegbaar register latest --declaration examples/uitlegbaar.yaml -o register-entry.json

A module does not say what it predicts: uitlegbaar reads its one output as a binary classifier's logit because
the outcomes it is evaluated on are 0/1 (several outputs would be classes). The artifact hash is of the state
dict's tensors; the explanation is permutation importance and a bounded model-agnostic SHAP estimate (a network
has no exact explainer), its settings recorded.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import torch

import uitlegbaar as ub


@ub.dataset(name="toeslagaanvragen", source="s3://toeslagen/aanvragen-2025.parquet", sensitive=["geslacht"])
def load_applications(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "inkomen_x1000": rng.normal(28, 9, rows),
            "huishoudgrootte": rng.integers(1, 7, rows).astype(float),
            "eerdere_aanvragen": rng.poisson(1.2, rows).astype(float),
            "geslacht": rng.choice(["man", "vrouw"], rows),
        }
    )
    risk = frame["eerdere_aanvragen"] * 0.8 - frame["inkomen_x1000"] / 20 + rng.normal(size=rows)
    return frame.assign(heronderzoek=(risk > 0).astype(int))


@ub.train(model="heronderzoek-netwerk")
def train_model(X: pd.DataFrame, y: pd.Series, epochs: int = 200) -> torch.nn.Module:
    torch.manual_seed(0)
    scale = torch.tensor(X.std().to_numpy(), dtype=torch.float32)
    net = torch.nn.Sequential(Scale(scale), torch.nn.Linear(X.shape[1], 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    optimiser = torch.optim.Adam(net.parameters(), lr=0.02)
    inputs = torch.tensor(X.to_numpy(), dtype=torch.float32)
    target = torch.tensor(y.to_numpy(), dtype=torch.float32).reshape(-1, 1)
    for _ in range(epochs):
        optimiser.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(net(inputs), target).backward()
        optimiser.step()
    return net


class Scale(torch.nn.Module):
    """Divides each input by its training standard deviation (kept in the state dict)."""

    def __init__(self, scale: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("scale", scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x / self.scale


@ub.evaluate(split="test", sensitive=["geslacht"])
def evaluate_model(model: torch.nn.Module, X: pd.DataFrame, y: pd.Series, geslacht: pd.Series) -> dict[str, float]:
    with torch.no_grad():
        logits = model(torch.tensor(X.to_numpy(), dtype=torch.float32)).numpy().ravel()
    return {"accuracy": float(((logits >= 0) == y.to_numpy()).mean())}


@ub.explain
def explain_model(model: torch.nn.Module, X: pd.DataFrame, y: pd.Series) -> None:
    """uitlegbaar explains the network through its forward pass."""


def main(rows: int = 5_000) -> str:
    """Train, evaluate and explain inside one uitlegbaar run; return the run id."""
    with ub.run("heronderzoek netwerk") as run:
        applications = load_applications(rows)
        train, test = applications.iloc[: rows * 3 // 4], applications.iloc[rows * 3 // 4 :]
        features = ["inkomen_x1000", "huishoudgrootte", "eerdere_aanvragen"]
        model = train_model(train[features], train["heronderzoek"])
        metrics = evaluate_model(model, test[features], test["heronderzoek"], test["geslacht"])
        explain_model(model, test[features], test["heronderzoek"])
    print(f"run {run.id}: accuracy {metrics['accuracy']:.3f}")
    return run.id


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000, help="applications to generate")
    main(parser.parse_args().rows)
