from django.core.management.base import BaseCommand

from casework.diagram import readme_path, replace_in, state_diagram


class Command(BaseCommand):
    help = "Print the case state machine as Mermaid, or --write it into README.md."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="update README.md in place")

    def handle(self, *args, write, **options):
        if not write:
            self.stdout.write(state_diagram())
            return
        path = readme_path()
        path.write_text(replace_in(path.read_text()))
        self.stdout.write(f"Updated the state diagram in {path}.")
