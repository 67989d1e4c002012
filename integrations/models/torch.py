"""PyTorch: any `torch.nn.Module` (Lightning's `LightningModule` and Hugging Face models are modules too).

Identity is the module's class with its size and layers (a LightningModule's `hparams` too); the artifact is its
state dict, each tensor's name, dtype, shape and bytes in order (what `torch.save(model.state_dict())` holds, without
the file format around it); inputs are X's columns; the predict function runs the forward pass on X as float32
without gradients in eval mode (the module's mode restored after) and reads the outputs as `base.outputs_view`
says. Tensors, `TensorDataset`s (inputs: their features), Subsets of one and DataLoaders over them are read
back as tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from uitlegbaar.integrations.models.base import Feature, ModelAdapter, Scalar, column_names, outputs_view, plain

from uitlegbaar.analysis.models import ModelView

MAX_LAYERS = 40  # layer names listed in the hyperparameters (a large network's are summed up)
LABEL, EXTRA = "label", "tensor_"  # a TensorDataset's table: features x0…, then the label, then tensor_2…


def _is_module(value: Any) -> bool:
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in type(value).__mro__)


class TorchAdapter(ModelAdapter):
    library = "torch"

    def is_model(self, value: Any) -> bool:
        return _is_module(value)

    def hyperparameters(self, model: Any) -> dict[str, Scalar]:
        parameters = list(model.parameters())
        leaves = [type(m).__name__ for m in model.modules() if not list(m.children())]
        found: dict[str, Scalar] = {
            "parameters": sum(p.numel() for p in parameters),
            "trainable_parameters": sum(p.numel() for p in parameters if p.requires_grad),
            "layers": ", ".join(leaves[:MAX_LAYERS])
            + (f", … ({len(leaves)} in all)" if len(leaves) > MAX_LAYERS else ""),
        }
        hparams = getattr(model, "hparams", None)
        if hparams:
            found.update({f"hparams.{k}": v for k, v in plain(dict(hparams)).items()})
        return found

    def defaults(self, model: Any) -> list[str]:
        return []

    def task(self, model: Any) -> Any:
        return None  # a module does not say; the outcomes it is evaluated on do (see view)

    def artifact(self, model: Any) -> tuple[Iterable[bytes], str]:
        return state_chunks(model.state_dict().items()), "torch state_dict"

    def feature_names(self, model: Any) -> list[str] | None:
        return None  # a network keeps no names: its inputs are the columns of X

    def view(self, model: Any, X: Any = None, y: Any = None) -> ModelView:
        import numpy as np
        import torch

        def forward(rows: Any) -> Any:
            was_training = model.training
            model.eval()
            try:
                with torch.no_grad():
                    found = model(torch.as_tensor(np.asarray(rows, dtype=np.float32)))
            finally:
                model.train(was_training)
            return found.detach().cpu().numpy()

        names = column_names(X)
        return outputs_view(forward, y, library="torch", feature_names=names)

    def inputs(self, model: Any, X: Any, personal: Iterable[str] = (), sensitive: Iterable[str] = ()) -> list[Feature]:
        """X's columns; of a TensorDataset's table (see `table_of`) its features, not the label it carries."""
        columns = column_names(X) or []
        features = [c for c in columns if c != LABEL and not c.startswith(EXTRA)]
        if columns and features != columns and all(c == f"x{i}" for i, c in enumerate(features)):
            X = X[features]
        return super().inputs(model, X, personal, sensitive)

    def holds_data(self, value: Any) -> bool:
        name = type(value).__name__
        return name in ("Tensor", "TensorDataset", "Subset", "DataLoader") and type(value).__module__.startswith(
            "torch"
        )

    def table_of(self, value: Any) -> Any | None:
        """A 1-D/2-D tensor, a TensorDataset of them (features, then the label), a Subset of one (as
        `random_split` makes: its rows in its order) or a DataLoader over either."""
        name = type(value).__name__
        if name == "DataLoader":
            return self.table_of(value.dataset) if self.holds_data(value.dataset) else None
        if name == "Subset":
            whole = self.table_of(value.dataset) if self.holds_data(value.dataset) else None
            if whole is None or not hasattr(whole, "iloc"):
                return None
            return whole.iloc[[int(i) for i in value.indices]].reset_index(drop=True)
        if name == "Tensor":
            return value.detach().cpu().numpy() if value.ndim in (1, 2) else None
        if name == "TensorDataset":
            import numpy as np
            import pandas as pd

            parts = [t.detach().cpu().numpy() for t in value.tensors]
            if not parts or any(p.ndim > 2 for p in parts):
                return None
            features = parts[0].reshape(len(parts[0]), -1)
            frame = pd.DataFrame(features, columns=[f"x{i}" for i in range(features.shape[1])])
            for i, extra in enumerate(parts[1:]):
                frame[LABEL if i == 0 else f"{EXTRA}{i + 1}"] = np.asarray(extra).reshape(len(extra), -1)[:, 0]
            return frame
        return None


def state_chunks(items: Iterable[tuple[str, Any]]) -> Iterator[bytes]:
    """Each tensor's name, dtype, shape and bytes, in the state dict's order."""
    for name, tensor in items:
        array = tensor.detach().cpu().contiguous().numpy() if hasattr(tensor, "detach") else tensor
        yield f"{name}|{array.dtype}|{tuple(array.shape)}|".encode()
        yield array.tobytes()


ADAPTER = TorchAdapter()
