import nox


@nox.session(python=['3.11'])
def tests(session):
    session.install('pytest')
    session.run('pytest', '-q')


@nox.session
def lint(session):
    session.run('ruff', 'check', '.')
    session.run('ruff', *ARGS)
