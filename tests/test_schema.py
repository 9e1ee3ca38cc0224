import copy
import json

import jsonschema
import pytest

from audit.results import AuditResult, results_schema


def test_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(results_schema())


def test_credit_result_validates(credit_result):
    credit_result.validate()
    jsonschema.validate(json.loads(credit_result.to_json()), results_schema())


def test_predictions_result_validates():
    import numpy as np
    import pandas as pd

    import audit

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"y": rng.integers(0, 2, 300), "s": rng.random(300), "g": rng.choice(["a", "b"], 300)}
    )
    audit.audit_predictions(
        df, y_true="y", y_score="s", sensitive=["g"], config={"fairness": {"mitigation": False}}
    ).validate()


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("verdict",), "great", "verdict"),
        (("sections", 0, "metrics", 0, "value"), "high", "value"),
        (("sections", 0, "figures", 0, "alt"), "", "alt"),
        (("manifest", "model_sha256"), "not-a-hash", "model_sha256"),
    ],
)
def test_schema_rejects_malformed_results(credit_result, path, value, where):
    data = copy.deepcopy(json.loads(credit_result.to_json()))
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError) as info:
        jsonschema.validate(data, results_schema())
    assert where in "/".join(map(str, info.value.absolute_path)) or where in str(info.value.message)


def test_schema_ships_with_the_package():
    from importlib import resources

    assert resources.files("audit").joinpath("results.schema.json").is_file()
    assert AuditResult.__dataclass_fields__.keys() == set(results_schema()["required"])


def test_manifest_engine_workers_and_budget_are_described_and_validate(credit_subject):
    import audit

    manifest_schema = results_schema()["properties"]["manifest"]["properties"]
    assert {"engine", "workers", "engine_address"} <= set(manifest_schema)
    assert "budget" in manifest_schema["runtime"]["properties"]
    result = audit.run(credit_subject, checks=["data"], config={"budget_s": 600})
    data = json.loads(result.to_json())
    jsonschema.validate(data, results_schema())
    manifest = data["manifest"]
    assert (manifest["engine"], manifest["workers"], manifest["engine_address"]) == (
        "serial",
        1,
        None,
    )
    assert manifest["runtime"]["budget"]["budget_s"] == 600
    assert manifest["runtime"]["stages"]["data"]["seconds"] >= 0
    for key, value in (("workers", 0), ("engine_address", 5)):
        bad = copy.deepcopy(data)
        bad["manifest"][key] = value
        with pytest.raises(jsonschema.ValidationError) as info:
            jsonschema.validate(bad, results_schema())
        assert list(info.value.absolute_path) == ["manifest", key]
    bad = copy.deepcopy(data)
    bad["manifest"]["runtime"]["budget"]["fits"] = "yes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, results_schema())
