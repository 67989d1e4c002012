"""`ub.autolog()` on top of `mlflow.pytorch.autolog()`, side by side in one run against a real local `mlflow server`
(SQLite, started here): Lightning's `Trainer.fit` of a small MLP on a DataLoader over a TensorDataset, 200,000 rows
× 20 features, one epoch, bare, with MLflow's autolog (model logged and registered), and with `ub.autolog()` on top
(the TensorDataset read as a table and fingerprinted, the module identified and its state dict hashed, the card
compiled and attached), alternating, median of the rounds. The measure of `mlflow_hooks.py`: the time inside
uitlegbaar's hooks against what MLflow's autolog adds over bare training (target there: at most 10%).

    python benchmarks/mlflow_lightning.py [--repeats 3] [--rows 200000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import Row, fmt_ratio, fmt_time, note, print_table
from mlflow_hooks import alternate, autolog_rows, start_server

COLUMNS, BATCH = 20, 2048


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200_000)
    options = parser.parse_args()
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    import lightning as L
    import mlflow
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    import uitlegbaar as ub

    class Classifier(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(COLUMNS, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.net(x)  # type: ignore[no-any-return]

        def training_step(self, batch: list[torch.Tensor], _: int) -> torch.Tensor:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(self(batch[0]).ravel(), batch[1])
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.Adam(self.parameters(), lr=0.01)

    folder = Path(tempfile.mkdtemp(prefix="uitlegbaar-bench-mlflow-lightning-"))
    note("starting mlflow server")
    server, uri = start_server(folder)
    try:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment("benchmark-lightning")
        generator = torch.Generator().manual_seed(20261203)
        X = torch.randn(options.rows, COLUMNS, generator=generator)
        y = (X[:, 0] + 0.5 * X[:, 1] + torch.randn(options.rows, generator=generator) > 0).float()
        data = TensorDataset(X, y)

        def train() -> None:
            torch.manual_seed(0)
            trainer = L.Trainer(
                max_epochs=1,
                accelerator="cpu",
                logger=False,
                enable_checkpointing=False,
                enable_progress_bar=False,
                enable_model_summary=False,
                default_root_dir=str(folder / "lightning"),
            )
            trainer.fit(Classifier(), train_dataloaders=DataLoader(data, batch_size=BATCH))

        ub.configure(store=folder / "store")
        timed = alternate(
            train,
            mlflow.pytorch.autolog,
            options.repeats,
            registered_model_name="benchmark-lightning",
            checkpoint=False,
        )
    finally:
        server.terminate()
    size = f"{options.rows:,} × {COLUMNS}, 1 epoch, batch {BATCH}"
    rows = [
        *autolog_rows(timed, f"bare Trainer.fit ({size})", "mlflow.pytorch.autolog()"),
        Row(
            "ub.autolog() extra vs bare fit",
            fmt_time(timed.inside),
            f"bare fit {fmt_time(timed.bare)}",
            fmt_ratio(timed.inside, timed.bare),
            "—",
            "info",
        ),
    ]
    print_table(rows, f"uitlegbaar on mlflow.pytorch.autolog (median of {options.repeats} rounds, local mlflow server)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
