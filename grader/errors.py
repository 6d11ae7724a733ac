"""Errors that reach the user as a one-line message and exit code 2, and the exit codes."""

EXIT_OK, EXIT_BELOW, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class LoopcheckError(Exception):
    """A usage problem: bad option, missing path, invalid rubric. Exit code 2."""

    exit_code = 2


class RubricError(LoopcheckError):
    """An invalid rubric. ``problems`` holds one ``file:line: key.path: message`` per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else "invalid rubric"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"invalid rubric: {first}{more}")
