"""A CLI command's stdout is its result: the logs of the handlers it runs in-process go to stderr."""

from __future__ import annotations

from infra import cli
from klientportal.observability import logger


def test_a_command_prints_its_result_and_its_handlers_log_to_stderr(capfd, monkeypatch):
    handler = logger.registered_handler
    monkeypatch.setattr(handler, "stream", handler.stream)  # put back after the test

    def command(args):
        logger.error("a handler's log line")
        print('{"result": 1}')
        return 0

    monkeypatch.setattr(cli, "_cmd_openapi", command)
    assert cli.main(["openapi"]) == 0
    out, err = capfd.readouterr()
    assert out == '{"result": 1}\n'
    assert "a handler's log line" in err
