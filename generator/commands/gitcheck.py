"""``wenzheng check-change``: permission and date checks of a pull request, and its effect on the figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator import gitcheck
from generator.commands.common import as_of_option, parse_moment
from generator.commands.validate import github_annotation
from generator.errors import WenzhengError
from generator.history import GitError


@click.command("check-change")
@click.option("--base", required=True, metavar="REV", help="The commit the change is proposed against.")
@click.option("--head", default="HEAD", show_default=True, metavar="REV", help="The last commit of the change.")
@click.option("--author", default=None, metavar="USER",
              help="Git host user name of the change's author, as listed in departments.yaml.")
@click.option("--summary", is_flag=True,
              help="Print, as Markdown, the letters whose light changes and the departments whose figures "
                   "change, instead of checking permissions and dates.")
@click.option("--repo", default=".", show_default=True, type=click.Path(file_okay=False, exists=True),
              help="The Git repository.")
@click.option("--data", "data_dir", default="data", show_default=True,
              help="The data folder, relative to the repository's top.")
@click.option("--format", "output", type=click.Choice(["text", "github", "json"]), default="text",
              show_default=True, help="text for people, github for Actions annotations, json for tools.")
@as_of_option
def command(base, head, author, summary, repo, data_dir, output, as_of):
    """Check that AUTHOR may make the change BASE..HEAD and that its dates are honest.

    A department's editors may change only their own department's replies,
    extension request, completion of the letters it leads, and explanations;
    everything else is the office's. Replies, extension requests and
    completions dated more than the policy's tolerance before the head commit
    are reported as backdated.
    """
    data_dir = Path(data_dir).as_posix().rstrip("/")
    try:
        if summary:
            moment = parse_moment(as_of, _zone(repo, base, data_dir)) if as_of else None
            click.echo(gitcheck.change_summary(repo, base, head, data_dir, moment), nl=False)
            return
        if not author:
            raise WenzhengError("check-change needs --author (the user who proposed the change), or --summary")
        problems = gitcheck.check_change(repo, base, head, author, data_dir)
    except GitError as error:
        raise WenzhengError(f"{error}; check --repo, --base and --head (a CI checkout needs fetch-depth: 0)") \
            from None
    if output == "json":
        click.echo(json.dumps([problem.as_dict() for problem in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(github_annotation(problem) if output == "github" else problem.format())
    files = len({problem.file for problem in problems})
    verdict = (f"{len(problems)} problem(s) in {files} file(s)" if problems
               else f"{author} may make this change, and its dates are within the tolerance")
    click.echo(verdict, err=output != "text")
    sys.exit(1 if problems else 0)


def _zone(repo, revision: str, data_dir: str):
    return gitcheck.rules_at(repo, revision, data_dir).policy.zone
