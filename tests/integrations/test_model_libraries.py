"""Every model library's adapter, on a small real model of each: the decorated pipeline records the model's
identity (class, library version, hyperparameters, artifact hash of the library's own format), its inputs, per-group
metrics computed from the library's own predictions, proxies, an explanation (exact SHAP for trees and linear
models, coefficients with intervals for statsmodels, a bounded estimate with its settings otherwise), and the card
and register entry compile and validate. A test skips only when its library is not installed."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import uitlegbaar as ub
from helpers import EXAMPLES
from uitlegbaar.documents.register import errors, validate_entry
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.pipeline import compile_run, load_evidence
from uitlegbaar.store import LocalStore

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 on the torch backend (the keras extra's)
ROWS = 600
FEATURES = ["inkomen", "leeftijd", "wijk_code"]


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    rng = np.random.default_rng(17)
    geslacht = pd.Series(rng.choice(["man", "vrouw"], size=ROWS), name="geslacht")
    X = pd.DataFrame(
        {
            "inkomen": rng.normal(size=ROWS),
            "leeftijd": rng.normal(size=ROWS),
            "wijk_code": (geslacht == "vrouw").astype(float) + rng.normal(scale=0.2, size=ROWS),
        }
    )
    y = pd.Series((1.5 * X["inkomen"] + 0.5 * X["wijk_code"] + rng.normal(scale=0.5, size=ROWS) > 0.3).astype(int))
    return X, y, geslacht


def capture(
    fit: Callable[[pd.DataFrame, pd.Series], Any], data: tuple[pd.DataFrame, pd.Series, pd.Series], **explain: Any
) -> tuple[Any, Evidence, str]:
    """The decorated pipeline a user writes: train, evaluate per group, explain."""
    X, y, geslacht = data

    @ub.train(model="risicomodel")
    def train(X: pd.DataFrame, y: pd.Series) -> Any:
        return fit(X, y)

    @ub.evaluate(split="test", sensitive=["geslacht"])
    def evaluate(model: Any, X: pd.DataFrame, y: pd.Series, geslacht: pd.Series) -> dict[str, float]:
        return {"rows": float(len(X))}

    @ub.explain(**explain)
    def explain_model(model: Any, X: pd.DataFrame, y: pd.Series) -> None:
        """Explained by uitlegbaar's defaults."""

    with ub.run("model library") as run:
        model = train(X, y)
        evaluate(model, X, y, geslacht)
        explain_model(model, X, y)
    return model, load_evidence(LocalStore.open(_store()), run.id), run.id


def _store() -> Path:
    from uitlegbaar.capture.settings import settings

    return Path(settings().store)


def check_evidence(
    evidence: Evidence,
    run_id: str,
    *,
    class_name: str,
    library: str,
    artifact: bytes,
    predicted: Any,
    y: pd.Series,
    geslacht: pd.Series,
    features: list[str] = FEATURES,
    task: str | None = "classification",
) -> None:
    """Record by record: identity, inputs, artifact hash, per-group metrics, proxies, card and register entry."""
    import importlib

    model = evidence.model
    assert model is not None and not evidence.gaps, evidence.gaps
    assert model.class_name == class_name
    assert model.library_version == importlib.import_module(library).__version__
    assert model.artifact_sha256 == hashlib.sha256(artifact).hexdigest()
    assert [i.name for i in model.inputs] == features
    assert model.task == task
    (evaluation,) = evidence.evaluations
    (result,) = evaluation.fairness
    expected = pd.Series(np.asarray(predicted).ravel() == y.to_numpy()).groupby(geslacht.to_numpy()).mean()
    accuracy = {g.group: g.metrics["accuracy"] for g in result.groups}
    assert accuracy == pytest.approx(expected.to_dict())
    selection = {g.group: g.metrics["selection_rate"] for g in result.groups}
    rates = pd.Series(np.asarray(predicted).ravel()).groupby(geslacht.to_numpy()).mean()
    assert selection == pytest.approx(rates.to_dict())
    flagged = {p.feature for p in evaluation.proxies if p.flagged}
    assert flagged == {"wijk_code"}
    permutation = next(e for e in evidence.explanations if e.method == "permutation_importance")
    assert max(permutation.importances, key=permutation.importances.__getitem__) == "inkomen"
    store = LocalStore.open(_store())
    declaration = EXAMPLES / "uitlegbaar.yaml"
    entry = compile_run(store, run_id, "register", declaration=declaration).document.payload()
    assert errors(validate_entry(entry)) == []
    from uitlegbaar.documents.card.render import render_card

    card = compile_run(store, run_id, "card", declaration=declaration).document
    assert class_name.rsplit(".", 1)[-1] in render_card(card, "md")


def shap_of(evidence: Evidence) -> Any:
    return next(e for e in evidence.explanations if e.method == "shap")


# ---------------------------------------------------------------- XGBoost


def test_xgboost_native_booster(store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    xgb = pytest.importorskip("xgboost")
    X, y, geslacht = data

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "nthread": 1}
        return xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=20)

    booster, evidence, run_id = capture(fit, data)
    predicted = (booster.predict(xgb.DMatrix(X)) >= 0.5).astype(int)
    check_evidence(
        evidence,
        run_id,
        class_name="xgboost.core.Booster",
        library="xgboost",
        artifact=bytes(booster.save_raw("ubj")),
        predicted=predicted,
        y=y,
        geslacht=geslacht,
    )
    model = evidence.model
    assert model is not None and model.artifact_format == "xgboost ubj"
    assert model.hyperparameters["objective"] == "binary:logistic" and model.hyperparameters["max_depth"] == "3"
    assert model.hyperparameters["num_boost_round"] == 20
    explanation = shap_of(evidence)
    assert explanation.settings == {"exact": True, "explainer": "xgboost TreeSHAP"}
    assert explanation.library == "xgboost" and explanation.library_version == xgb.__version__
    row = explanation.local[0]
    margin = booster.predict(xgb.DMatrix(X.iloc[[row.row]]), output_margin=True)[0]
    assert row.base_value + sum(row.contributions.values()) == pytest.approx(margin, abs=1e-4)
    assert_same_as_shaps_tree_explainer(booster, X, explanation)


def assert_same_as_shaps_tree_explainer(model: Any, X: pd.DataFrame, explanation: Any) -> None:
    """The library's own TreeSHAP gives the values shap's tree explainer gives (the same algorithm, exact)."""
    shap = pytest.importorskip("shap")
    rows = X.iloc[[r.row for r in explanation.local]]
    theirs = shap.TreeExplainer(model)(rows, check_additivity=False)
    values = np.asarray(theirs.values)
    values = values[:, :, -1] if values.ndim == 3 else values
    ours = np.array([[r.contributions[c] for c in X.columns] for r in explanation.local])
    assert ours == pytest.approx(values, abs=1e-5)


def test_xgboost_sklearn_api(store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    xgb = pytest.importorskip("xgboost")
    X, y, geslacht = data

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        return xgb.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(X, y)

    model, evidence, run_id = capture(fit, data)
    check_evidence(
        evidence,
        run_id,
        class_name="xgboost.sklearn.XGBClassifier",
        library="xgboost",
        artifact=bytes(model.get_booster().save_raw("ubj")),
        predicted=model.predict(X),
        y=y,
        geslacht=geslacht,
    )
    assert evidence.model is not None and evidence.model.hyperparameters["n_estimators"] == 20
    assert shap_of(evidence).settings["exact"] is True


# ---------------------------------------------------------------- LightGBM


def test_lightgbm_native_booster(store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    lgb = pytest.importorskip("lightgbm")
    X, y, geslacht = data

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "num_threads": 1}
        return lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=20)

    booster, evidence, run_id = capture(fit, data)
    check_evidence(
        evidence,
        run_id,
        class_name="lightgbm.basic.Booster",
        library="lightgbm",
        artifact=booster.model_to_string().encode(),
        predicted=(booster.predict(X) >= 0.5).astype(int),
        y=y,
        geslacht=geslacht,
    )
    assert evidence.model is not None and evidence.model.hyperparameters["num_trees"] == 20
    explanation = shap_of(evidence)
    assert explanation.settings == {"exact": True, "explainer": "lightgbm TreeSHAP"}
    assert explanation.library == "lightgbm" and explanation.library_version == lgb.__version__
    row = explanation.local[0]
    margin = booster.predict(X.iloc[[row.row]], raw_score=True)[0]
    assert row.base_value + sum(row.contributions.values()) == pytest.approx(margin, abs=1e-6)
    assert_same_as_shaps_tree_explainer(booster, X, explanation)


def test_lightgbm_sklearn_api(store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    lgb = pytest.importorskip("lightgbm")
    X, y, geslacht = data

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        return lgb.LGBMClassifier(n_estimators=20, num_leaves=7, verbose=-1, n_jobs=1).fit(X, y)

    model, evidence, run_id = capture(fit, data)
    check_evidence(
        evidence,
        run_id,
        class_name="lightgbm.sklearn.LGBMClassifier",
        library="lightgbm",
        artifact=model.booster_.model_to_string().encode(),
        predicted=model.predict(X),
        y=y,
        geslacht=geslacht,
    )


# ---------------------------------------------------------------- CatBoost


def test_catboost(store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series], tmp_path: Path) -> None:
    catboost = pytest.importorskip("catboost")
    X, y, geslacht = data

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        return catboost.CatBoostClassifier(
            iterations=20, depth=3, verbose=False, thread_count=1, allow_writing_files=False
        ).fit(X, y)

    model, evidence, run_id = capture(fit, data)
    model.save_model(str(tmp_path / "model.cbm"))
    check_evidence(
        evidence,
        run_id,
        class_name="catboost.core.CatBoostClassifier",
        library="catboost",
        artifact=(tmp_path / "model.cbm").read_bytes(),
        predicted=model.predict(X),
        y=y,
        geslacht=geslacht,
    )
    assert evidence.model is not None and evidence.model.hyperparameters["depth"] == 3
    assert shap_of(evidence).settings["exact"] is True


# ---------------------------------------------------------------- statsmodels


def test_statsmodels_glm_is_explained_by_its_coefficients_with_intervals(
    store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]
) -> None:
    sm = pytest.importorskip("statsmodels.api")

    X, y, geslacht = data

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        return sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit()

    results, evidence, run_id = capture(fit, data)
    check_evidence(
        evidence,
        run_id,
        class_name="statsmodels.genmod.generalized_linear_model.GLM",
        library="statsmodels",
        artifact=b"statsmodels.genmod.generalized_linear_model.GLM|const|inkomen|leeftijd|wijk_code|"
        + results.params.to_numpy().tobytes()
        + results.cov_params().to_numpy().tobytes(),
        predicted=(results.predict(sm.add_constant(X)) >= 0.5).astype(int),
        y=y,
        geslacht=geslacht,
        features=["const", *FEATURES],
    )
    coefficients = next(e for e in evidence.explanations if e.method == "coefficients")
    assert coefficients.confidence == 0.95
    found = {c.name: c for c in coefficients.coefficients}
    intervals = results.conf_int(alpha=0.05)
    for name in ["const", *FEATURES]:
        assert found[name].estimate == pytest.approx(results.params[name])
        assert found[name].std_error == pytest.approx(results.bse[name])
        assert (found[name].lower, found[name].upper) == pytest.approx(tuple(intervals.loc[name]))
        assert found[name].p_value == pytest.approx(results.pvalues[name])
    assert found["inkomen"].p_value is not None and found["inkomen"].p_value < 0.001
    assert evidence.model is not None and evidence.model.hyperparameters["family"] == "Binomial"
    assert shap_of(evidence).settings["exact"] is True  # the linear explainer, in log-odds


def test_statsmodels_formula_logit_traces_terms_to_columns(store: Path) -> None:
    smf = pytest.importorskip("statsmodels.formula.api")
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"inkomen": rng.normal(size=400), "gemeente": rng.choice(["A", "B", "C"], size=400)})
    frame["y"] = (frame["inkomen"] + (frame["gemeente"] == "B") + rng.normal(size=400) > 0.5).astype(int)

    @ub.train(model="logit")
    def fit(frame: pd.DataFrame) -> Any:
        return smf.logit("y ~ inkomen + C(gemeente)", frame).fit(disp=0)

    with ub.run() as run:
        fit(frame)
    evidence = load_evidence(LocalStore.open(store), run.id)
    assert evidence.model is not None and not evidence.gaps
    sources = {i.name: i.sources for i in evidence.model.inputs}
    assert sources == {
        "Intercept": [],
        "C(gemeente)[T.B]": ["gemeente"],
        "C(gemeente)[T.C]": ["gemeente"],
        "inkomen": ["inkomen"],
    }
    assert evidence.model.task == "classification"


# ---------------------------------------------------------------- PyTorch and Keras


def test_pytorch_module(store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    torch = pytest.importorskip("torch")
    X, _y, _geslacht = data
    torch.manual_seed(0)

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
        optimiser = torch.optim.Adam(net.parameters(), lr=0.05)
        inputs = torch.tensor(X.to_numpy(), dtype=torch.float32)
        target = torch.tensor(y.to_numpy(), dtype=torch.float32).reshape(-1, 1)
        for _ in range(150):
            optimiser.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(net(inputs), target).backward()
            optimiser.step()
        return net

    net, evidence, run_id = capture(fit, data)
    with torch.no_grad():
        predicted = (net(torch.tensor(X.to_numpy(), dtype=torch.float32)).numpy().ravel() >= 0).astype(int)
    state = b"".join(
        f"{name}|{t.numpy().dtype}|{tuple(t.shape)}|".encode() + t.numpy().tobytes()
        for name, t in net.state_dict().items()
    )
    model = evidence.model
    assert model is not None and model.hyperparameters["parameters"] == 3 * 8 + 8 + 8 + 1
    _check_network(evidence, run_id, "torch.nn.modules.container.Sequential", "torch", state, predicted, data)
    assert net.training  # the module's mode is restored after uitlegbaar's forward passes


def _check_network(
    evidence: Evidence,
    run_id: str,
    class_name: str,
    library: str,
    state: bytes,
    predicted: Any,
    data: tuple[pd.DataFrame, pd.Series, pd.Series],
) -> None:
    """A network does not say what it predicts (its task is None: the 0/1 outcomes it is evaluated on tell the
    analyses); the rest is checked as for every model."""
    _X, y, geslacht = data
    check_evidence(
        evidence,
        run_id,
        class_name=class_name,
        library=library,
        artifact=state,
        predicted=predicted,
        y=y,
        geslacht=geslacht,
        task=None,
    )
    explanation = shap_of(evidence)
    assert explanation.settings["exact"] is False and explanation.settings["explainer"] == "permutation"
    assert explanation.settings["max_evals"] == 2 * 3 + 1 and explanation.sample_size == 100


def test_keras_on_the_torch_backend(store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "torch"
    X, _y, _geslacht = data
    keras.utils.set_random_seed(0)

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        net = keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
        )
        net.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
        net.fit(X.to_numpy(dtype="float32"), y.to_numpy(dtype="float32"), epochs=15, batch_size=64, verbose=0)
        return net

    net, evidence, run_id = capture(fit, data)
    predicted = (net.predict(X.to_numpy(dtype="float32"), verbose=0).ravel() >= 0.5).astype(int)
    state = b"".join(
        f"{v.path}|{np.asarray(v.numpy()).dtype}|{tuple(v.shape)}|".encode() + np.asarray(v.numpy()).tobytes()
        for v in net.weights
    )
    _check_network(evidence, run_id, "keras.src.models.sequential.Sequential", "keras", state, predicted, data)
    assert evidence.model is not None and evidence.model.hyperparameters["optimizer"] == "Adam"


# ---------------------------------------------------------------- capture never breaks training


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_a_broken_adapter_is_a_warning_and_a_gap_and_training_goes_on(
    store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series], monkeypatch: pytest.MonkeyPatch, library: str
) -> None:
    module = pytest.importorskip(library)
    import importlib

    adapter = importlib.import_module(f"uitlegbaar.integrations.models.{library}")
    cls = type(adapter.ADAPTER)

    def broken(*args: object, **kwargs: object) -> Any:
        raise RuntimeError("adapter exploded")

    for method in ("identity", "artifact", "inputs", "view", "feature_names"):
        monkeypatch.setattr(cls, method, broken)  # our own code, not the library we integrate with
    X, _y, _ = data

    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        if library == "xgboost":
            return module.train({"objective": "binary:logistic", "nthread": 1}, module.DMatrix(X, label=y), 5)
        return module.train({"objective": "binary", "verbose": -1, "num_threads": 1}, module.Dataset(X, label=y), 5)

    with pytest.warns(ub.UitlegbaarWarning, match="adapter exploded"):
        model, evidence, _ = capture(fit, data)
    assert (
        type(model).__name__ == "Booster"
        and len(model.predict(X if library == "lightgbm" else module.DMatrix(X))) == ROWS
    )
    assert evidence.model is not None and evidence.model.class_name.endswith("Booster")  # the record is kept
    assert {g.message for g in evidence.gaps} == {"adapter exploded"}
    assert len(evidence.gaps) >= 4


def test_the_card_reports_a_glms_coefficients_with_their_intervals_and_p_values(
    store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]
) -> None:
    sm = pytest.importorskip("statsmodels.api")
    from uitlegbaar.documents.card.render import render_card

    results, _, run_id = capture(lambda X, y: sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(), data)
    card = compile_run(LocalStore.open(store), run_id, "card", declaration=EXAMPLES / "uitlegbaar.yaml").document
    markdown, html = render_card(card, "md"), render_card(card, "html", "nl")
    low, high = results.conf_int(alpha=0.05).loc["inkomen"]
    assert (
        f"| inkomen | {results.params['inkomen']:.4g} | {results.bse['inkomen']:.3g} | {low:.4g} … {high:.4g} |"
        in markdown
    )
    assert "95% interval" in markdown and "p-value" in markdown
    assert "95%-interval" in html and "p-waarde" in html


# ---------------------------------------------------------------- Lightning and transformers


def test_lightning_trainer_fit_on_a_dataloader(store: Path, data: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    torch = pytest.importorskip("torch")
    lightning = pytest.importorskip("lightning")
    from torch.utils.data import DataLoader, TensorDataset

    X, y, geslacht = data
    torch.manual_seed(0)

    class Classifier(lightning.LightningModule):
        def __init__(self, hidden: int = 8, lr: float = 0.05) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

        def forward(self, x: Any) -> Any:
            return self.net(x)

        def training_step(self, batch: Any, _: int) -> Any:
            inputs, target = batch
            return torch.nn.functional.binary_cross_entropy_with_logits(self(inputs).ravel(), target)

        def configure_optimizers(self) -> Any:
            return torch.optim.Adam(self.parameters(), lr=self.hparams["lr"])

    @ub.train(model="lightning")
    def fit(loader: DataLoader) -> Any:
        module = Classifier()
        trainer = lightning.Trainer(
            max_epochs=15,
            accelerator="cpu",
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
        )
        trainer.fit(module, train_dataloaders=loader)
        return module

    @ub.evaluate(sensitive=["geslacht"])
    def evaluate(model: Any, X: pd.DataFrame, y: pd.Series, geslacht: pd.Series) -> dict[str, float]:
        return {}

    tensors = TensorDataset(
        torch.tensor(X.to_numpy(), dtype=torch.float32), torch.tensor(y.to_numpy(), dtype=torch.float32)
    )
    with ub.run() as run:
        module = fit(DataLoader(tensors, batch_size=64, shuffle=True))
        evaluate(module, X, y, geslacht)
    evidence = load_evidence(LocalStore.open(store), run.id)
    assert not evidence.gaps, evidence.gaps
    model = evidence.model
    assert model is not None and model.class_name.endswith("Classifier") and model.library == "torch"
    assert model.hyperparameters["hparams.hidden"] == 8 and model.hyperparameters["hparams.lr"] == 0.05
    (loaded,) = [d for d in evidence.datasets if d.name == "lightning.loader"]  # its TensorDataset, as a table
    assert [c.name for c in loaded.columns] == ["x0", "x1", "x2", "label"] and loaded.num_rows == ROWS
    with torch.no_grad():
        predicted = (module(torch.tensor(X.to_numpy(), dtype=torch.float32)).numpy().ravel() >= 0).astype(int)
    (evaluation,) = evidence.evaluations
    accuracy = {g.group: g.metrics["accuracy"] for g in evaluation.fairness[0].groups}
    expected = pd.Series(predicted == y.to_numpy()).groupby(geslacht.to_numpy()).mean()
    assert accuracy == pytest.approx(expected.to_dict())


def test_transformers_trainer_train_of_a_tiny_text_classifier(store: Path, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    datasets = pytest.importorskip("datasets")
    rng = np.random.default_rng(3)
    words = ["aanvraag", "toeslag", "huur", "zorg", "kind", "inkomen", "terug", "extra"]
    texts = [" ".join(rng.choice(words, size=6)) for _ in range(120)]
    labels = [int("terug" in t) for t in texts]
    vocab = {w: i + 2 for i, w in enumerate(words)}
    ids = [[vocab[w] for w in t.split()] for t in texts]  # what a word-level tokenizer would give: no download
    groups = pd.Series(rng.choice(["a", "b"], size=120), name="regio")
    train_set = datasets.Dataset.from_dict({"input_ids": ids, "labels": labels})
    config = transformers.BertConfig(
        vocab_size=len(words) + 2,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        num_labels=2,
    )
    torch.manual_seed(0)

    @ub.train(model="tekstclassificatie")
    def fit(train_set: Any) -> Any:
        model = transformers.BertForSequenceClassification(config)
        arguments = transformers.TrainingArguments(
            output_dir=str(tmp_path / "trainer"),
            num_train_epochs=8,
            per_device_train_batch_size=16,
            learning_rate=5e-3,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            disable_tqdm=True,
        )
        transformers.Trainer(model=model, args=arguments, train_dataset=train_set).train()
        return model

    @ub.evaluate(sensitive=["regio"])
    def evaluate(model: Any, X: np.ndarray, y: np.ndarray, regio: pd.Series) -> dict[str, float]:
        return {}

    with ub.run() as run:
        model = fit(train_set)
        evaluate(model, np.asarray(ids), np.asarray(labels), groups)
        tokens = pd.DataFrame({"input_ids": ids, "attention_mask": [[1] * len(i) for i in ids]})
        evaluate(model, tokens, np.asarray(labels), groups)  # the tokenizer's columns, as a DataFrame holds them
    evidence = load_evidence(LocalStore.open(store), run.id)
    assert not evidence.gaps, evidence.gaps
    record = evidence.model
    assert record is not None and record.class_name.endswith("BertForSequenceClassification")
    assert record.library == "transformers" and record.library_version == transformers.__version__
    assert record.hyperparameters["model_type"] == "bert" and record.hyperparameters["num_labels"] == 2
    state = b"".join(
        f"{name}|{t.numpy().dtype}|{tuple(t.shape)}|".encode() + t.contiguous().numpy().tobytes()
        for name, t in model.state_dict().items()
    )
    assert record.artifact_sha256 == hashlib.sha256(state).hexdigest()
    (trained_on,) = [d for d in evidence.datasets if d.name == "tekstclassificatie.train_set"]  # its Arrow table
    assert trained_on.num_rows == 120 and [c.name for c in trained_on.columns] == ["input_ids", "labels"]
    model.eval()
    with torch.no_grad():
        predicted = model(input_ids=torch.tensor(ids)).logits.numpy().argmax(axis=1)
    expected = pd.Series(predicted == np.asarray(labels)).groupby(groups.to_numpy()).mean()
    for evaluation in evidence.evaluations:
        accuracy = {g.group: g.metrics["accuracy"] for g in evaluation.fairness[0].groups}
        assert accuracy == pytest.approx(expected.to_dict())
    assert len(evidence.evaluations) == 2


@pytest.mark.parametrize("library", ["lightgbm", "xgboost"])
def test_a_multiclass_boosters_own_tree_shap_is_its_last_class(
    library: str, data: tuple[pd.DataFrame, pd.Series, pd.Series]
) -> None:
    lib = pytest.importorskip(library)
    from uitlegbaar.integrations.models import adapter_for

    from uitlegbaar.analysis.explanations import shap_explanation

    X = data[0]
    classes = pd.Series(np.digitize(X["inkomen"], [-0.5, 0.5]))  # three classes
    if library == "lightgbm":
        params = {"objective": "multiclass", "num_class": 3, "num_leaves": 7, "verbose": -1, "num_threads": 1}
        booster = lib.train(params, lib.Dataset(X, label=classes), num_boost_round=10)
    else:
        params = {"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "nthread": 1}
        booster = lib.train(params, lib.DMatrix(X, label=classes), num_boost_round=10)
    explanation = shap_explanation(adapter_for(booster).view(booster), X, sample=50, local=5)
    assert explanation.settings["explainer"] == f"{library} TreeSHAP"
    assert_same_as_shaps_tree_explainer(booster, X, explanation)
