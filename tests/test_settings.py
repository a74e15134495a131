"""Settings: every way in (environment, overrides, `with_`, the constructor) is validated, and a
bad value is one line naming the setting and what it accepts. Environments are passed as dicts,
so the tests never depend on, or change, the real one."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from rag.errors import RagError, SettingsError
from rag.settings import ENV_ALLOWED, SECTIONS, SettingDoc, Settings, env_name

ROOT = Path(__file__).resolve().parents[1]


def error_for(env: dict[str, str] | None = None, **overrides: object) -> str:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env=env or {}, **overrides)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_are_valid_and_unchanged() -> None:
    s = Settings.from_env(env={})
    assert s == Settings()
    assert (s.k, s.candidates, s.n_ctx, s.chunk_tokens, s.chunk_overlap_tokens) == (
        4,
        50,
        4096,
        256,
        40,
    )
    assert s.index_dir == Path("index") and s.models_dir is None
    assert s.decompose is True and s.outlet_filter is False


def test_settings_error_is_a_rag_error() -> None:
    assert issubclass(SettingsError, RagError)


def test_k_not_a_number() -> None:
    assert error_for({"RAG_K": "abc"}) == (
        "RAG_K=abc: expected a whole number >= 1 (passages given to the model)."
    )


def test_k_zero() -> None:
    assert error_for({"RAG_K": "0"}) == (
        "RAG_K=0: expected a whole number >= 1 (passages given to the model)."
    )


def test_n_ctx_negative() -> None:
    assert error_for({"RAG_N_CTX": "-1"}) == (
        "RAG_N_CTX=-1: expected a whole number >= 256 (context window in tokens)."
    )


@pytest.mark.parametrize(
    ("var", "raw", "needle"),
    [
        ("RAG_K", "2.5", "whole number >= 1"),
        ("RAG_CHUNK_TOKENS", "1024", "from 32 to 512"),
        ("RAG_CHUNK_TOKENS", "16", "from 32 to 512"),
        ("RAG_DEDUPE", "1.5", "from 0 to 1"),
        ("RAG_TEMPERATURE", "nan", "from 0 to 2"),
        ("RAG_W_DENSE", "-0.1", ">= 0"),
        ("RAG_N_GPU_LAYERS", "-2", ">= -1"),
        ("RAG_SEED", "-1", "from 0 to"),
    ],
)
def test_out_of_range_values_name_the_variable(var: str, raw: str, needle: str) -> None:
    message = error_for({var: raw})
    assert message.startswith(f"{var}={raw}: expected ")
    assert needle in message


def test_accepted_edges_and_numbers() -> None:
    s = Settings.from_env(
        env={
            "RAG_K": " 7 ",
            "RAG_N_CTX": "256",
            "RAG_MAX_TOKENS": "255",
            "RAG_N_GPU_LAYERS": "-1",
            "RAG_DEDUPE": "1",
            "RAG_TEMPERATURE": "2",
        }
    )
    assert (s.k, s.n_ctx, s.max_tokens, s.n_gpu_layers) == (7, 256, 255, -1)
    assert s.dedupe == 1.0 and isinstance(s.dedupe, float)
    assert s.temperature == 2.0


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("On", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("OFF", False),
    ],
)
def test_bool_spellings(raw: str, value: bool) -> None:
    assert Settings.from_env(env={"RAG_DECOMPOSE": raw}).decompose is value
    assert Settings.from_env(env={"RAG_OUTLET_FILTER": raw}).outlet_filter is value


def test_embed_precision_unset_is_none_and_set_is_a_bool() -> None:
    # None: the index decides (rag.index.manifest.embeds_int8); a value must match the index.
    assert Settings().embed_int8 is None and Settings.from_env(env={}).embed_int8 is None
    assert Settings.from_env(env={"RAG_EMBED_INT8": "no"}).embed_int8 is False
    assert Settings.from_env(env={"RAG_EMBED_INT8": "1"}).embed_int8 is True
    with pytest.raises(SettingsError, match="embed_int8=1: expected True or False"):
        Settings().with_(embed_int8=1)
    assert error_for({"RAG_EMBED_INT8": "int8"}).startswith("RAG_EMBED_INT8=int8: expected one of")


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "enabled"])
def test_unknown_bool_is_an_error_not_false(raw: str) -> None:
    message = error_for({"RAG_DECOMPOSE": raw})
    assert message.startswith(f"RAG_DECOMPOSE={raw}: expected one of 1/0, true/false, yes/no")


def test_empty_value_means_not_given() -> None:
    assert Settings.from_env(env={"RAG_K": "", "RAG_MODELS_DIR": ""}) == Settings()


def test_overlap_must_stay_below_chunk_size() -> None:
    message = error_for({"RAG_CHUNK_TOKENS": "32"})
    assert message.startswith("RAG_CHUNK_OVERLAP_TOKENS=40 (default): expected")
    assert "below RAG_CHUNK_TOKENS=32" in message
    s = Settings.from_env(env={"RAG_CHUNK_TOKENS": "32", "RAG_CHUNK_OVERLAP_TOKENS": "8"})
    assert (s.chunk_tokens, s.chunk_overlap_tokens) == (32, 8)


def test_max_tokens_must_leave_room_in_the_context() -> None:
    assert "below RAG_N_CTX=4096" in error_for({"RAG_MAX_TOKENS": "4096"})


def test_typo_of_a_setting_is_caught() -> None:
    assert error_for({"RAG_CHUNK_TOKEN": "100"}) == (
        "Unknown setting RAG_CHUNK_TOKEN; did you mean RAG_CHUNK_TOKENS?"
    )
    assert error_for({"RAG_k": "3"}) == "Unknown setting RAG_k; did you mean RAG_K?"


@pytest.mark.parametrize("var", ["RAG_X", "RAG_TOKEN", "RAG_SERVER_URL", *sorted(ENV_ALLOWED)])
def test_far_off_and_allowed_rag_names_are_ignored(var: str) -> None:
    assert Settings.from_env(env={var: "whatever"}) == Settings()


def test_overrides_win_and_none_means_not_given() -> None:
    s = Settings.from_env(env={"RAG_K": "6", "RAG_MODEL": "m"}, k=None, model="other")
    assert (s.k, s.model) == (6, "other")
    s = Settings.from_env(env={}, index_dir="~/idx", models_dir=Path("~/m"))
    assert s.index_dir == Path("~/idx").expanduser() and s.models_dir == Path("~/m").expanduser()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"k": 0}, "k=0: expected a whole number >= 1 (passages given to the model)."),
        ({"k": "4"}, "k='4': expected a whole number >= 1"),
        ({"k": True}, "k=True: expected a whole number >= 1"),
        ({"n_gpu_layers": -5}, "n_gpu_layers=-5: expected a whole number >= -1"),
        ({"decompose": 1}, "decompose=1: expected True or False"),
        ({"model": ""}, "model='': expected a non-empty text"),
        ({"prompt_budget": 10}, "prompt_budget=10: expected a whole number >= 50"),
    ],
)
def test_overrides_are_validated(overrides: dict[str, object], expected: str) -> None:
    assert error_for(**overrides).startswith(expected)


def test_env_error_names_the_variable_even_when_an_override_is_fine() -> None:
    assert error_for({"RAG_N_CTX": "-1"}, k=3).startswith("RAG_N_CTX=-1:")


def test_unknown_override_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        Settings.from_env(env={}, kay=3)


def test_with_is_validated() -> None:
    s = Settings()
    assert s.with_(k=9).k == 9
    with pytest.raises(SettingsError, match=r"^k=0: expected a whole number >= 1"):
        s.with_(k=0)
    with pytest.raises(SettingsError, match=r"^chunk_overlap_tokens=40: .* below chunk_tokens=32"):
        s.with_(chunk_tokens=32)
    assert s.with_(chunk_tokens=32, chunk_overlap_tokens=0).chunk_tokens == 32


def test_constructor_is_validated_and_normalises_types() -> None:
    with pytest.raises(SettingsError, match=r"^temperature=3.0: expected a number from 0 to 2"):
        Settings(temperature=3.0)
    s = Settings(dedupe=0, index_dir="somewhere")  # type: ignore[arg-type]
    assert isinstance(s.dedupe, float) and s.index_dir == Path("somewhere")


def test_every_field_has_a_section_and_help() -> None:
    for f in fields(Settings):
        assert f.metadata["section"] in SECTIONS, f.name
        assert f.metadata["help"], f.name


def test_by_section_lists_every_setting_once() -> None:
    groups = Settings.by_section()
    assert list(groups) == [s for s in SECTIONS if s in groups]
    rows = [row for section in groups.values() for row in section]
    assert sorted(r.name for r in rows) == sorted(f.name for f in fields(Settings))
    k = next(r for r in groups["retrieval"] if r.name == "k")
    assert k == SettingDoc("k", "RAG_K", 4, "a whole number >= 1", "passages given to the model")
    assert [r.name for r in groups["chunking"]] == ["chunk_tokens", "chunk_overlap_tokens"]
    assert env_name("n_ctx") == "RAG_N_CTX"


def test_cli_bad_setting_exits_2_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "x"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "RAG_K": "abc"},
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "Error: RAG_K=abc: expected a whole number >= 1 (passages given to the model)."
    ], result.stderr
