"""Training scripts of deep-learning libraries under `mlflow.<flavor>.autolog()` + `ub.autolog()`, each run in a
process of its own by test_mlflow_deep_learning.py (autologging patches the libraries for the whole process, as in
a user's training script). Each trains a tiny real model for one epoch and prints one JSON line of facts: the run
and model ids, and uitlegbaar's fingerprint of each table it was given and the hash of the trained weights, both
computed here independently of what capture recorded.

    MLFLOW_TRACKING_URI=… UITLEGBAAR_STORE=… python tests/mlflow_dl_jobs.py JOB NAME

With BROKEN_ADAPTER=1 the model adapters (uitlegbaar's own code, not the libraries) raise on every read.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Iterable
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 on the torch backend, chosen before keras is imported
os.environ.setdefault("MLFLOW_REQUIREMENTS_INFERENCE_TIMEOUT", "1")  # MLflow's pip inference is not under test

import mlflow
import numpy as np
import pandas as pd

import uitlegbaar as ub
from uitlegbaar.capture.fingerprint import fingerprint_table
from uitlegbaar.capture.tables import to_arrow

warnings.filterwarnings("ignore")  # the libraries' own advice is not under test; uitlegbaar's is printed below
ROWS, VALIDATION = 240, 60
PIP = ["torch==2.13.0"]  # given, so MLflow does not infer the requirements by loading the model again


def applications(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(ROWS, 3)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 2] + rng.normal(scale=0.5, size=ROWS) > 0).astype(np.float32)
    return X, y


def digest(table: Any) -> str:
    return fingerprint_table(to_arrow(table)).digest


def state_hash(items: Iterable[tuple[str, Any]]) -> str:
    """sha256 of each tensor's name, dtype, shape and bytes in order (as test_model_libraries.py computes it)."""
    found = hashlib.sha256()
    for name, value in items:
        array = np.ascontiguousarray(np.asarray(value))
        found.update(f"{name}|{array.dtype}|{tuple(array.shape)}|".encode() + array.tobytes())
    return found.hexdigest()


def tensor_table(X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """A TensorDataset(features, label) as a table: columns x0… and label."""
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]).assign(label=y)


def break_adapters() -> None:
    """Every read of the adapters raises (uitlegbaar's own code; the libraries are left as they are)."""
    import importlib

    from uitlegbaar.integrations.models.base import ModelAdapter

    for module in ("torch", "keras", "transformers"):  # the adapters are loaded when first needed: now
        importlib.import_module(f"uitlegbaar.integrations.models.{module}")

    def broken(*args: object, **kwargs: object) -> Any:
        raise RuntimeError("adapter exploded")

    for method in ("identity", "artifact", "inputs", "feature_names", "table_of"):
        setattr(ModelAdapter, method, broken)
        for cls in ModelAdapter.__subclasses__():
            for sub in (cls, *cls.__subclasses__()):
                if method in sub.__dict__:
                    setattr(sub, method, broken)


def lightning(name: str) -> dict[str, Any]:
    """Trainer.fit on DataLoaders over `random_split` Subsets of a TensorDataset (or a datamodule making them), in
    the run MLflow's autologging opens itself; the model logged and registered by MLflow."""
    import lightning as L
    import torch
    from torch.utils.data import DataLoader, TensorDataset, random_split

    mlflow.set_experiment(name)
    mlflow.pytorch.autolog(registered_model_name=name, checkpoint=False)
    ub.autolog()
    X, y = applications(seed=1)
    torch.manual_seed(0)
    whole = TensorDataset(torch.tensor(X), torch.tensor(y))
    train, val = random_split(whole, [ROWS - VALIDATION, VALIDATION], generator=torch.Generator().manual_seed(0))

    class Classifier(L.LightningModule):
        def __init__(self, hidden: int = 8) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

        def forward(self, x: Any) -> Any:
            return self.net(x)

        def training_step(self, batch: Any, _: int) -> Any:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(self(batch[0]).ravel(), batch[1])
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch: Any, _: int) -> None:
            self.log("val_loss", torch.nn.functional.binary_cross_entropy_with_logits(self(batch[0]).ravel(), batch[1]))

        def configure_optimizers(self) -> Any:
            return torch.optim.Adam(self.parameters(), lr=0.05)

    class Applications(L.LightningDataModule):
        def train_dataloader(self) -> Any:
            return DataLoader(train, batch_size=32)

        def val_dataloader(self) -> Any:
            return DataLoader(val, batch_size=32)

    module = Classifier()
    trainer = L.Trainer(
        max_epochs=1,
        accelerator="cpu",
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tempfile.mkdtemp(),  # Lightning's own logs, not in the working directory
    )
    if "datamodule" in name:
        trainer.fit(module, datamodule=Applications())
    else:
        trainer.fit(module, train_dataloaders=DataLoader(train, batch_size=32), val_dataloaders=DataLoader(val))
    model = mlflow.last_logged_model()
    return {
        "mlflow_run_id": mlflow.last_active_run().info.run_id,
        "logged_model_id": model.model_id if model else None,
        "fingerprint_train": digest(tensor_table(X[train.indices], y[train.indices])),
        "fingerprint_val": digest(tensor_table(X[val.indices], y[val.indices])),
        "artifact_sha256": state_hash((k, v.detach().numpy()) for k, v in module.state_dict().items()),
    }


def keras(name: str) -> dict[str, Any]:
    """Model.fit(DataFrame, array, validation_data=(…)) in a run the user opens; MLflow logs and registers it.
    "first" in the name: ub.autolog() before keras is imported and before MLflow's autologging wraps fit."""
    if "first" in name:
        ub.autolog()
    import keras

    mlflow.set_experiment(name)
    mlflow.keras.autolog(registered_model_name=name)
    ub.autolog()
    X, y = applications(seed=2)
    # a DataFrame ("first"), else arrays: MLflow then logs them as a dataset inside the fit (captured with it)
    frame = pd.DataFrame(X, columns=["inkomen", "leeftijd", "wijk"]) if "first" in name else X
    train, held = slice(0, ROWS - VALIDATION), slice(ROWS - VALIDATION, ROWS)
    keras.utils.set_random_seed(0)
    net = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
    )
    net.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    with mlflow.start_run() as run:
        if "generator" in name:  # data keras streams: a gap, never a failure
            batches = ((X[i : i + 32], y[i : i + 32]) for i in range(0, ROWS, 32))
            net.fit(batches, epochs=1, steps_per_epoch=ROWS // 32, verbose=0)
        elif "split" in name:  # keras trains on the first rows and validates on the last VALIDATION ones
            net.fit(frame, y, validation_split=VALIDATION / ROWS, epochs=1, batch_size=32, verbose=0)
        else:
            net.fit(frame[train], y[train], validation_data=(X[held], y[held]), epochs=1, batch_size=32, verbose=0)
    model = mlflow.last_logged_model()
    return {
        "mlflow_run_id": run.info.run_id,
        "logged_model_id": model.model_id if model else None,
        "fingerprint_x": digest(frame[train]),
        "fingerprint_y": digest(y[train]),
        "fingerprint_val_x": digest(frame[held] if "split" in name else X[held]),
        "fingerprint_val_y": digest(y[held]),
        "artifact_sha256": state_hash((v.path, v.numpy()) for v in net.weights),
    }


def tiny_text_classifier() -> tuple[Any, Any, list[str], list[int]]:
    """A one-layer BERT built from a config and a word-level tokenizer of a vocabulary given here (no downloads),
    and the texts and labels it learns."""
    import transformers

    words = ["aanvraag", "toeslag", "huur", "zorg", "kind", "inkomen", "terug", "extra"]
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    tokenizer = transformers.BertTokenizerFast(vocab={t: i for i, t in enumerate(tokens)})
    rng = np.random.default_rng(3)
    texts = [" ".join(rng.choice(words, size=6)) for _ in range(120)]
    labels = [int("terug" in t) for t in texts]
    config = transformers.BertConfig(
        vocab_size=len(words) + 5,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        num_labels=2,
    )
    return transformers.BertForSequenceClassification(config), tokenizer, texts, labels


def arrow_table(table: dict[str, list[Any]], rows: slice) -> Any:
    """The rows of a tokenised table as `datasets` holds them: token ids as int32 lists (its own choice for an
    `input_ids` column), labels int64, text as strings."""
    import pyarrow as pa

    return pa.table(
        {
            "tekst": pa.array(table["tekst"][rows], pa.string()),
            "input_ids": pa.array(table["input_ids"][rows], pa.list_(pa.int32())),
            "labels": pa.array(table["labels"][rows], pa.int64()),
        }
    )


def transformers(name: str) -> dict[str, Any]:
    """Trainer.train() on tokenised `datasets.Dataset`s in a run the user opens, then the model and its tokenizer
    logged as a transformers pipeline and registered (MLflow's transformers autologging logs no model itself);
    "implicit" in the name: no run of the user's, no model logged."""
    import datasets
    import torch
    import transformers

    mlflow.set_experiment(name)
    mlflow.transformers.autolog()
    ub.autolog()
    folder = tempfile.mkdtemp()
    torch.manual_seed(0)
    model, tokenizer, texts, labels = tiny_text_classifier()
    encoded = tokenizer(texts, padding="max_length", max_length=8, truncation=True)
    table = {"tekst": texts, "input_ids": encoded["input_ids"], "labels": labels}
    whole = datasets.Dataset.from_dict(table)
    train_set, eval_set = whole.select(range(90)), whole.select(range(90, 120))
    arguments = transformers.TrainingArguments(
        output_dir=os.path.join(folder, "trainer"),
        num_train_epochs=1,
        per_device_train_batch_size=16,
        learning_rate=5e-3,
        save_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
    )
    trainer = transformers.Trainer(
        model=model, args=arguments, train_dataset=train_set, eval_dataset=eval_set, processing_class=tokenizer
    )
    if "implicit" in name:  # no run of the user's: MLflow's callback in the Trainer opens and ends one
        trainer.train()
        return {
            "mlflow_run_id": mlflow.last_active_run().info.run_id,
            "fingerprint_train": digest(arrow_table(table, slice(0, 90))),
            "artifact_sha256": state_hash((k, v.detach().numpy()) for k, v in trainer.model.state_dict().items()),
        }
    with mlflow.start_run() as run:
        trainer.train()
        mlflow.transformers.log_model(
            {"model": trainer.model, "tokenizer": tokenizer},
            name="model",
            task="text-classification",
            registered_model_name=name,
            pip_requirements=["transformers", *PIP],
        )
    logged = mlflow.last_logged_model()
    return {
        "mlflow_run_id": run.info.run_id,
        "logged_model_id": logged.model_id if logged else None,
        "fingerprint_train": digest(arrow_table(table, slice(0, 90))),
        "fingerprint_eval": digest(arrow_table(table, slice(90, 120))),
        "artifact_sha256": state_hash((k, v.detach().numpy()) for k, v in trainer.model.state_dict().items()),
    }


def torch_module(name: str) -> dict[str, Any]:
    """A plain nn.Module trained by hand (no fit to hook): its data declared with mlflow.log_input (from_numpy
    with targets, from_huggingface), the model logged and registered with mlflow.pytorch.log_model."""
    import datasets
    import torch

    mlflow.set_experiment(name)
    ub.autolog()
    X, y = applications(seed=4)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    optimiser = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(5):
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(torch.tensor(X)).ravel(), torch.tensor(y))
        loss.backward()
        optimiser.step()
    hf = datasets.Dataset.from_dict({"inkomen": X[:, 0].tolist(), "label": y.astype(int).tolist()})
    with mlflow.start_run() as run:
        mlflow.log_input(mlflow.data.from_numpy(X, targets=y, source="s3://toeslagen/x.npy", name="aanvragen"))
        mlflow.log_input(mlflow.data.from_huggingface(hf, name="aanvragen_hf"), context="training")
        mlflow.pytorch.log_model(
            net, name="model", registered_model_name=name, pip_requirements=PIP, input_example=X[:4]
        )
    logged = mlflow.last_logged_model()
    return {
        "mlflow_run_id": run.info.run_id,
        "logged_model_id": logged.model_id if logged else None,
        "fingerprint_X": digest(X),
        "fingerprint_y": digest(y),
        "fingerprint_hf": digest(pd.DataFrame({"inkomen": X[:, 0].astype(np.float64), "label": y.astype(np.int64)})),
        "artifact_sha256": state_hash((k, v.detach().numpy()) for k, v in net.state_dict().items()),
    }


JOBS = {f.__name__: f for f in (lightning, keras, transformers, torch_module)}

if __name__ == "__main__":
    job, name = sys.argv[1], sys.argv[2]
    if os.environ.get("BROKEN_ADAPTER"):
        break_adapters()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ub.UitlegbaarWarning)
        facts = JOBS[job](name)
    facts["warnings"] = [str(w.message) for w in caught if issubclass(w.category, ub.UitlegbaarWarning)]
    print(json.dumps(facts))
