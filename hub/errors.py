"""Domain errors. Views and the API map them to clear messages; none of them is a 500."""


class DomainError(Exception):
    """A rule of the Hub refused the action; the message is fit to show to staff."""


class CaseChanged(DomainError):
    """Someone else changed the case since it was read: reload and try again."""


class TransitionRefused(DomainError):
    """The case cannot move that way from where it is, or a guard is not met."""


class ConsentRequired(DomainError):
    """The Victims' Code allows this referral only with the victim's explicit consent."""

    def __init__(self, message: str, *, pointer: str = ""):
        super().__init__(message)
        self.pointer = pointer


class IdempotencyConflict(DomainError):
    """The same source reference was sent before with a different body."""


class UnknownCrime(DomainError):
    """The Hub holds no crime with that reference for the force."""


class PermissionRefused(DomainError):
    """The member of staff's role does not allow the action."""


class AllocationRefused(DomainError):
    """The case cannot go to that member of staff, or cannot be allocated now."""


class NoteRefused(DomainError):
    """The note cannot be saved as written."""


class AssessmentRefused(DomainError):
    """The needs assessment or the outcome scores cannot be recorded as given."""


class PlanRefused(DomainError):
    """The cope and recovery plan, an onward referral or a CICA claim cannot change so."""


class VolunteerRefused(DomainError):
    """The volunteer cannot be matched, or the contact cannot be recorded."""
