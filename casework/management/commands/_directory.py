from django.core.management.base import CommandError

from hub.models import Force


def force_for(code: str | None) -> Force:
    """The force named by ``--force``; without it, the only force there is."""
    if code:
        force = Force.objects.filter(code=code).first()
        if force is None:
            raise CommandError(f"No force has the code {code!r}.")
        return force
    forces = list(Force.objects.all()[:2])
    if len(forces) != 1:
        raise CommandError("Name the force with --force CODE: there is not exactly one force.")
    return forces[0]
