"""Hugging Face transformers: `PreTrainedModel`s (torch modules), e.g. a sequence classifier trained with
`Trainer.train`. Identity adds the model's configuration (model type, labels, sizes) to what the torch adapter
reads; the artifact is its state dict; its inputs are the columns of X its forward pass takes (`input_ids`, …); the
predict function runs the model on token ids (a 2-D array of `input_ids`, or a DataFrame of `input_ids`,
`attention_mask` and `token_type_ids` columns, as its tokenizer made them) and reads its logits, one per class. A
`datasets.Dataset` (handed to a decorated function, or a Trainer's) is read back as its Arrow table."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from uitlegbaar.integrations.models.base import Feature, Scalar, column_names, outputs_view, plain, typed_inputs
from uitlegbaar.integrations.models.torch import TorchAdapter

from uitlegbaar.analysis.models import ModelView

CONFIG_KEYS = (
    "model_type",
    "num_labels",
    "problem_type",
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "max_position_embeddings",
)


TOKEN_COLUMNS = ("input_ids", "attention_mask", "token_type_ids")


def token_tensors(rows: Any) -> dict[str, Any]:
    """What a forward pass takes from rows: a 2-D array of token ids, or a DataFrame whose `input_ids` (and
    `attention_mask`, `token_type_ids`) columns hold sequences of one length each, as a padding tokenizer gives."""
    import numpy as np
    import torch

    names = column_names(rows) or []
    found = [n for n in TOKEN_COLUMNS if n in names]
    if not found:
        return {"input_ids": torch.as_tensor(np.asarray(rows), dtype=torch.long)}
    return {n: torch.as_tensor(np.stack([np.asarray(v) for v in rows[n]]), dtype=torch.long) for n in found}


class TransformersAdapter(TorchAdapter):
    library = "transformers"

    def is_model(self, value: Any) -> bool:
        return hasattr(value, "config") and super().is_model(value)

    def hyperparameters(self, model: Any) -> dict[str, Scalar]:
        config = model.config.to_dict()
        found = plain({k: config[k] for k in CONFIG_KEYS if k in config})
        found["num_labels"] = int(model.config.num_labels)  # a property, not among the serialised keys
        return {**super().hyperparameters(model), **found}

    def inputs(self, model: Any, X: Any, personal: Iterable[str] = (), sensitive: Iterable[str] = ()) -> list[Feature]:
        """The columns of X the model's forward pass takes (`input_ids`, `attention_mask`, …), as the Trainer keeps
        them: not the labels, not the text the ids were made of."""
        accepted = set(inspect.signature(model.forward).parameters) - {"labels", "label", "label_ids"}
        names = [c for c in column_names(X) or [] if c in accepted]
        return typed_inputs(names, X, {}, personal, sensitive) if names else []

    def view(self, model: Any, X: Any = None, y: Any = None) -> ModelView:
        import torch

        def forward(rows: Any) -> Any:
            was_training = model.training
            model.eval()
            try:
                with torch.no_grad():
                    found = model(**token_tensors(rows)).logits
            finally:
                model.train(was_training)
            return found.detach().cpu().numpy()

        return outputs_view(forward, y, library="transformers", feature_names=None)

    def holds_data(self, value: Any) -> bool:
        return type(value).__name__ == "Dataset" and type(value).__module__.startswith("datasets")

    def table_of(self, value: Any) -> Any | None:
        """A Hugging Face `datasets.Dataset`'s Arrow table (its rows as selected, when indices select some)."""
        if not self.holds_data(value):
            return None
        table = value.data.table
        indices = getattr(value, "_indices", None)
        return table.take(indices.column(0)) if indices is not None else table


ADAPTER = TransformersAdapter()
