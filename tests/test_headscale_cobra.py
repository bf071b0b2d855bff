"""headscale v0.27.1's whole command line as cobra v1.10.1 answers it: every command's help from
its declaration (Use/Short/Long/aliases/flags), cobra's own help and completion commands,
unknown commands with suggestions, flag errors, Args checks and root.go's conditional flags."""
from __future__ import annotations

import pytest

from simnet import Lab
from simnet.commands.cobra import help_text
from simnet.commands.headscale_cli import build_tree


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab.load("headscale")


def _walk(cmd):
    yield cmd
    for sub in cmd.children:
        yield from _walk(sub)


def test_root_help_lists_every_available_command_sorted(lab: Lab) -> None:
    res = lab.run("vps", "headscale")
    assert res.returncode == 0 and res.stderr == ""
    # the root's Long starts with a newline; it has no Run, so no use line, only "[command]"
    assert res.stdout.startswith("\nheadscale is an open source implementation of the Tailscale control server\n\n"
                                 "https://github.com/juanfont/headscale\n\nUsage:\n  headscale [command]\n\n")
    listed = [line.split()[0] for line in res.stdout.split("Available Commands:\n")[1].split("\n\n")[0].splitlines()]
    assert listed == ["apikeys", "completion", "configtest", "debug", "generate", "health", "help", "mockoidc",
                      "nodes", "policy", "preauthkeys", "serve", "users", "version"]   # dumpConfig is hidden
    assert "  preauthkeys Handle the preauthkeys in Headscale\n" in res.stdout   # minNamePadding 11
    assert "  -h, --help            help for headscale\n" in res.stdout
    assert res.stdout.endswith('\nUse "headscale [command] --help" for more information about a command.\n')
    assert lab.run("vps", "headscale --help").stdout == res.stdout == lab.run("vps", "headscale help").stdout


def test_every_command_answers_h_help_and_help_cmd_alike(lab: Lab) -> None:
    root = build_tree(["help"])
    for cmd in _walk(root):
        if cmd.hidden or cmd is root:
            continue
        words = " ".join(cmd.names())
        via_flag = lab.run("vps", f"headscale {words} -h")
        via_long = lab.run("vps", f"headscale {words} --help")
        assert via_flag.returncode == via_long.returncode == 0, words
        assert via_flag.stdout == via_long.stdout and via_flag.stdout.startswith((cmd.long or cmd.short).rstrip())
        helped = lab.run("vps", f"headscale help {words}")
        # rendered from the tree as root.go's init() builds it for this command line
        argv = ["help", *cmd.names()]
        target = build_tree(argv)
        for word in cmd.names():
            target = target.find_next(word)
        assert helped.returncode == 0 and helped.stdout == help_text(target), words
        assert f"help for {cmd.name}" in helped.stdout


def test_runnable_commands_show_use_line_aliases_and_flags(lab: Lab) -> None:
    out = lab.run("vps", "headscale debug create-node -h").stdout
    assert out.startswith("Create a node that can be registered with `nodes register <>` command\n\nUsage:\n"
                          "  headscale debug create-node [flags]\n\nFlags:\n")
    # --name has no shorthand, the string slice shows as "strings", the deprecated --namespace is hidden
    assert "      --name string     Name\n" in out and "  -r, --route strings   List (or repeated" in out
    assert "namespace" not in out
    apikey = lab.run("vps", "headscale api c -h").stdout
    assert apikey.startswith("\nCreates a new Api key, the Api key is only visible on creation\n")
    assert "Aliases:\n  create, c, new\n" in apikey and '(default "90d")' in apikey
    assert lab.run("vps", "headscale users destroy -h").stdout.split("\n")[3] == (
        "  headscale users destroy --identifier ID or --name NAME [flags]")


def test_root_init_leaves_out_the_global_flags_for_version_completion_and_policy_check(lab: Lab) -> None:
    version = lab.run("vps", "headscale version -h").stdout
    assert "Global Flags" not in version and "  -o, --output string" in version
    # through "help" the persistent flags exist: version's own -o shadows the root's
    helped = lab.run("vps", "headscale help version").stdout
    assert "Global Flags:\n  -c, --config string" in helped and helped.count("--output") == 1
    assert "Global Flags" not in lab.run("vps", "headscale policy check -h").stdout
    lab.run("vps", "echo '{}' > /tmp/p.json")
    res = lab.run("vps", "headscale policy check -f /tmp/p.json -o json")
    assert res.returncode == 1 and res.stderr.startswith("Error: unknown shorthand flag: 'o' in -o\nUsage:\n")
    ok = lab.run("vps", "headscale policy check -f /tmp/p.json")
    assert (ok.returncode, ok.stdout) == (0, "Policy is valid\n")


def test_unknown_commands_suggest_and_main_repeats_the_error(lab: Lab) -> None:
    res = lab.run("vps", "headscale usr list")
    assert res.returncode == 1 and res.stdout == ""
    err = 'unknown command "usr" for "headscale"\n\nDid you mean this?\n\tusers\n\n'
    assert res.stderr == f"Error: {err}Run 'headscale --help' for usage.\n{err}"
    plain = lab.run("vps", "headscale bogus")
    assert plain.stderr == ('Error: unknown command "bogus" for "headscale"\nRun \'headscale --help\' for usage.\n'
                            'unknown command "bogus" for "headscale"\n')
    # a flag without a value eats the next word (cobra's stripFlags): "list" is left as the command
    eaten = lab.run("vps", "headscale --bogus nodes list")
    assert eaten.stderr.startswith('Error: unknown command "list" for "headscale"\n')
    # below the root cobra does not check names: the group's help
    group = lab.run("vps", "headscale nodes bogus")
    assert group.returncode == 0 and group.stdout.startswith("Manage the nodes of Headscale\n")


def test_help_topic_unknown_prints_root_usage_without_help_flag(lab: Lab) -> None:
    res = lab.run("vps", "headscale help bogus")
    assert res.returncode == 0 and res.stdout == ""
    assert res.stderr.startswith("Unknown help topic [`bogus`]\nUsage:\n  headscale [command]\n")
    assert "--help" not in res.stderr.split("Flags:")[1].split("\n\n")[0]


def test_completion_command(lab: Lab) -> None:
    res = lab.run("vps", "headscale completion")
    assert res.returncode == 0
    assert res.stdout.startswith("Generate the autocompletion script for headscale for the specified shell.\n"
                                 "See each sub-command's help for details on how to use the generated script.\n\n"
                                 "Usage:\n  headscale completion [command]\n")
    assert "Global Flags" not in res.stdout
    bash = lab.run("vps", "headscale completion bash -h").stdout
    assert "\tsource <(headscale completion bash)\n" in bash
    assert "Usage:\n  headscale completion bash\n\nFlags:\n" in bash        # DisableFlagsInUseLine
    extra = lab.run("vps", "headscale completion zsh extra")
    assert extra.returncode == 1
    assert extra.stderr.startswith('Error: unknown command "extra" for "headscale completion zsh"\nUsage:\n'
                                   "  headscale completion zsh [flags]\n")
    assert extra.stderr.endswith('\n\nunknown command "extra" for "headscale completion zsh"\n')


def test_args_and_required_flags_fail_with_usage(lab: Lab) -> None:
    res = lab.run("vps", "headscale users create")
    assert res.returncode == 1
    assert res.stderr.startswith("Error: missing parameters\nUsage:\n  headscale users create NAME [flags]\n")
    assert res.stderr.endswith("\n\nmissing parameters\n")
    req = lab.run("vps", "headscale apikeys expire")
    assert req.stderr.startswith('Error: required flag(s) "prefix" not set\nUsage:\n  headscale apikeys expire [flags]')
    both = lab.run("vps", "headscale debug create-node")
    assert both.stderr.startswith('Error: required flag(s) "key", "name", "user" not set\n')
    bad = lab.run("vps", "headscale nodes delete -i x")
    assert bad.stderr.startswith('Error: invalid argument "x" for "-i, --identifier" flag: strconv.ParseUint: '
                                 'parsing "x": invalid syntax\n')


def test_deprecated_namespace_warns_and_global_flags_before_the_command(lab: Lab) -> None:
    res = lab.run("vps", "headscale -o json nodes list -n someone")
    assert res.returncode == 0
    assert res.stderr == "Flag --namespace has been deprecated, use --user\n"
    assert res.stdout.startswith("[")
    health = lab.run("vps", "headscale health -o json-line")
    assert (health.returncode, health.stdout) == (0, '{"database_connectivity": true}\n')
