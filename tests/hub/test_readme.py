from casework.diagram import readme_path, readme_section


def test_readme_state_diagram_is_generated_from_the_current_machine():
    assert readme_section() in readme_path().read_text(), (
        "README.md's state diagram is stale: run `python manage.py state_diagram --write`."
    )


def test_readme_leads_with_the_two_commands():
    text = readme_path().read_text()
    head = text[: text.index("## What it does")]
    assert "make demo" in head
    assert "make test" in head
