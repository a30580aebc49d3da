"""Reference lists for the demo data (``casework.demo``): names, places, offences, staff.

Plain constants, no randomness and no database. Lists are written as comma-separated
strings to keep the module short. Phone numbers come from Ofcom's ranges reserved for
drama (07700 900000 to 900999, 01632 960000 to 960999) and email addresses from the
reserved ``example`` domains, so no demo record reaches a real person.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _weights(text: str) -> dict[str, float]:
    """``"49:8 39:2"`` → ``{"49": 8.0, "39": 2.0}``."""
    pairs = (item.rsplit(":", 1) for item in text.split())
    return {code: float(weight) for code, weight in pairs}


@dataclass(frozen=True)
class Heritage:
    """Names that go together, the share of victims they make up, and their language."""

    weight: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    language: str = "en"  # ISO 639-1 code when not English
    language_name: str = ""
    needs_language: float = 0.0  # share preferring their own language (with an interpreter)
    feminine: tuple[tuple[str, str], ...] = ()  # family-name endings that change for women

    def family_name(self, name: str, *, female: bool) -> str:
        """``Kowalski`` is ``Kowalska`` for a woman, ``Ivanov`` is ``Ivanova``."""
        if female:
            for ending, replacement in self.feminine:
                if name.endswith(ending):
                    return name[: -len(ending)] + replacement
        return name


HERITAGES: tuple[Heritage, ...] = (
    Heritage(
        70.0,
        female=_items(
            "Emma, Sophie, Charlotte, Hannah, Lucy, Amy, Laura, Rebecca, Jessica, Chloe, Olivia, "
            "Emily, Megan, Katie, Sarah, Claire, Joanne, Karen, Susan, Margaret, Jean, Patricia, "
            "Linda, Helen, Nicola, Gemma, Kerry, Leanne, Stacey, Rachel, Ruth, Alison, Fiona, "
            "Siobhan, Bethan, Eilidh, Grace, Isla, Poppy, Freya, Ellie, Maisie, Jade, Danielle, "
            "Shirley, Brenda, Pauline, Deborah, Tracey, Wendy"
        ),
        male=_items(
            "James, Oliver, Jack, Harry, Thomas, William, George, Daniel, Matthew, Luke, Ryan, "
            "Liam, Callum, Connor, Josh, Adam, Ben, Sam, Chris, Mark, Paul, David, Stephen, "
            "Andrew, Richard, Peter, John, Michael, Robert, Gary, Darren, Lee, Craig, Dean, Wayne, "
            "Kevin, Ian, Keith, Brian, Colin, Derek, Graham, Alan, Rhys, Owen, Gareth, Ewan, "
            "Fraser, Declan, Ciaran"
        ),
        family=_items(
            "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, "
            "Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, Harris, "
            "Lewis, Turner, Hill, Cooper, Ward, Morris, Moore, King, Baker, Harrison, Morgan, "
            "Allen, Parker, Bennett, Cook, Bailey, Collins, Bell, Shaw, Murphy, Kelly, Fletcher, "
            "Marshall, Chapman, Payne, Dixon, Barker, Newton, Fenwick, Hurst, Gibbons, Pearce, "
            "Lockwood, Thorpe, Burrows, Sadler, Pryce, Hughes, Griffiths, Campbell, Stewart, "
            "MacDonald, Fraser, O'Brien, O'Neill, Doyle, Byrne, Gallagher, Reilly, Mason, "
            "Goodwin, Holmes, Webb, Rowe, Ellis, Gray, Palmer, Fisher, Lamb"
        ),
    ),
    Heritage(
        5.5,
        female=_items("Agnieszka, Katarzyna, Magdalena, Joanna, Anna, Monika, Ewa, Natalia"),
        male=_items("Piotr, Krzysztof, Tomasz, Marcin, Paweł, Michał, Łukasz, Jakub"),
        family=_items(
            "Nowak, Kowalski, Wiśniewski, Wójcik, Kamiński, Lewandowski, Zieliński, Szymański, "
            "Dąbrowski, Kozłowski, Jankowski, Mazur, Kowalczyk, Wróbel"
        ),
        language="pl",
        language_name="Polish",
        needs_language=0.2,
        feminine=(("ski", "ska"), ("cki", "cka")),
    ),
    Heritage(
        3.0,
        female=_items("Rūta, Ieva, Jurgita, Gintarė, Eglė, Aušra, Inga"),
        male=_items("Tomas, Mindaugas, Darius, Mantas, Lukas, Vytautas, Rokas"),
        family=_items(
            "Kazlauskas, Petrauskas, Jankauskas, Vasiliauskas, Žukauskas, Butkus, Paulauskas"
        ),
        language="lt",
        language_name="Lithuanian",
        needs_language=0.25,
        feminine=(("as", "ienė"), ("us", "ienė")),
    ),
    Heritage(
        2.0,
        female=_items("Ioana, Elena, Andreea, Mariana, Alina, Roxana"),
        male=_items("Andrei, Mihai, Ionuț, Alexandru, Florin, Cristian"),
        family=_items("Popescu, Ionescu, Dumitru, Stan, Constantin, Munteanu"),
        language="ro",
        language_name="Romanian",
        needs_language=0.2,
    ),
    Heritage(
        1.5,
        female=_items("Beatriz, Inês, Mariana, Ana, Catarina, Joana"),
        male=_items("João, Tiago, Rui, Pedro, Miguel, Nuno"),
        family=_items("Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues"),
        language="pt",
        language_name="Portuguese",
        needs_language=0.2,
    ),
    Heritage(
        4.5,
        female=_items("Amira, Ayesha, Fatima, Zainab, Nazia, Shabnam, Rukhsana, Nadia, Sana"),
        male=_items("Mohammed, Imran, Asif, Tariq, Bilal, Kamran, Zubair, Faisal, Hamza"),
        family=_items("Khan, Hussain, Ahmed, Ali, Akhtar, Iqbal, Mahmood, Rahman, Chaudhry"),
        language="ur",
        language_name="Urdu",
        needs_language=0.08,
    ),
    Heritage(
        2.0,
        female=_items("Priya, Anjali, Sunita, Pooja, Meera, Nisha"),
        male=_items("Arjun, Rajesh, Sanjay, Vikram, Rohan, Amit"),
        family=_items("Patel, Shah, Sharma, Mistry, Joshi, Desai, Parmar"),
    ),
    Heritage(
        1.5,
        female=_items("Harpreet, Simran, Manpreet, Jaspreet, Gurleen"),
        male=_items("Harjit, Gurpreet, Jaswinder, Kulwant, Amarjit"),
        family=_items("Gill, Sandhu, Dhillon, Sidhu, Bains, Johal"),
        language="pa",
        language_name="Punjabi",
        needs_language=0.05,
    ),
    Heritage(
        4.5,
        female=_items(
            "Chioma, Ngozi, Abena, Ama, Folake, Blessing, Grace, Precious, Keisha, Shanice, "
            "Tamika, Adaeze"
        ),
        male=_items(
            "Chinedu, Emeka, Kwame, Kofi, Tunde, Olumide, Samuel, Marcus, Jermaine, Tyrone, "
            "Kwabena, Delroy"
        ),
        family=_items(
            "Okafor, Adeyemi, Mensah, Osei, Boateng, Okoro, Adebayo, Campbell, Francis, Clarke, "
            "Williams, Thomas, Asante, Eze"
        ),
    ),
    Heritage(
        1.5,
        female=_items("Mei, Li Na, Xiu Ying, Yan, Hui, Jing"),
        male=_items("Wei, Jun, Hao, Ming, Lei, Jian"),
        family=_items("Wang, Li, Zhang, Chen, Liu, Wong, Lam, Cheung"),
        language="zh",
        language_name="Mandarin",
        needs_language=0.15,
    ),
    Heritage(
        1.5,
        female=_items("Layla, Rania, Shirin, Dilan, Hana, Noor"),
        male=_items("Ahmad, Karwan, Rebwar, Omar, Youssef, Hassan"),
        family=_items("Abdullah, Rashid, Karimi, Mustafa, Haddad, Saleh, Aziz"),
        language="ku",
        language_name="Kurdish",
        needs_language=0.3,
    ),
    Heritage(
        1.0,
        female=_items("Olga, Svetlana, Irina, Oksana, Tatiana"),
        male=_items("Dmitri, Sergei, Oleksandr, Andriy, Viktor"),
        family=_items("Ivanov, Kuznetsov, Shevchenko, Bondarenko, Petrov, Kovalenko, Smirnov"),
        language="ru",
        language_name="Russian",
        needs_language=0.3,
        feminine=(("ov", "ova"), ("ev", "eva"), ("in", "ina")),
    ),
)


def _towns(text: str) -> tuple[tuple[str, str, tuple[str, ...], float], ...]:
    towns = []
    for line in text.strip().splitlines():
        town, area, districts, weight = (part.strip() for part in line.split("|"))
        towns.append((town, area, tuple(districts.split()), float(weight)))
    return tuple(towns)


# Town | the area it belongs to (the six of Cambridgeshire and Peterborough) | postcode
# districts | weight (roughly its population).
TOWNS = _towns("""
    Peterborough | Peterborough | PE1 PE2 PE3 PE4 PE6 PE7 | 30
    Cambridge | Cambridge | CB1 CB2 CB3 CB4 CB5 | 22
    Huntingdon | Huntingdon | PE29 | 4
    St Ives | Huntingdon | PE27 | 3
    St Neots | Huntingdon | PE19 | 5
    Ramsey | Huntingdon | PE26 | 1.5
    Wisbech | Fenland | PE13 PE14 | 5
    March | Fenland | PE15 | 3.5
    Whittlesey | Fenland | PE7 | 2
    Chatteris | Fenland | PE16 | 1.5
    Ely | East Cambridgeshire | CB6 CB7 | 3
    Soham | East Cambridgeshire | CB7 | 1.5
    Littleport | East Cambridgeshire | CB6 | 1
    Cambourne | South Cambridgeshire | CB23 | 2
    Sawston | South Cambridgeshire | CB22 | 1
    Histon | South Cambridgeshire | CB24 | 1
    Cottenham | South Cambridgeshire | CB24 | 1
""")

STREETS = _items(
    "High Street, Church Lane, Station Road, Mill Road, London Road, Lincoln Road, Park Avenue, "
    "Victoria Road, Queen Street, The Broadway, Newmarket Road, Histon Road, Cromwell Road, "
    "Eastfield Road, Westgate, Bridge Street, Market Street, Orchard Close, Meadow Way, Fen Road, "
    "Ramsey Road, Elm Road, Oundle Road, Thorpe Road, Gladstone Street, Cherry Hinton Road, "
    "Chesterton Road, Green End Road, Priory Road, Windsor Drive, Willow Crescent, The Paddocks, "
    "St John's Road, Cambridge Road, Huntingdon Road, Kings Avenue, Granary Way, Lavender Close, "
    "Nene Parade, Coronation Avenue, Bury Lane, Hereward Street"
)
# Letters used in the inward part of a postcode (C, I, K, M, O and V never appear there).
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

BUSINESSES = _items(
    "Fenland Hardware Ltd, Nene Valley Convenience Store, The Cross Keys, Ely Pharmacy, "
    "Riverside Garage, Bridge Street Bakery, Queensgate Phones, Cam Cycles, Hereward Tyres, "
    "Lincoln Road Post Office, Ouse Valley Builders Merchant, Mill Road Food Store, "
    "Wisbech Garden Centre, Market Square Café, St Neots Motors"
)
GUARDIAN_RELATIONSHIPS = _weights(
    "Mother:50 Father:25 Grandmother:8 Step-father:5 Foster_carer:6 Aunt:4 Grandfather:2"
)

IVNA_NOTES = _items(
    "Elderly and lives alone: very shaken., Struggling to sleep since the incident., "
    "Worried it will happen again., Has asked about compensation., Anxious about going to court., "
    "Lost work because of the injury., Would like the locks changed., "
    "Children at home were present., Wants to know what happens next with the investigation., "
    "Already has mental health support through the GP., "
    "Targeted before by the same neighbour."
)
COMMUNICATION_NEEDS = _items(
    "Hard of hearing: prefers text or email., Dyslexic: explain any letter by phone., "
    "Uses British Sign Language., Learning disability: short calls and plain words., "
    "Partially sighted: large-print letters."
)

PARTNER_AGENCIES = _items(
    "Cambridge Women's Aid, Peterborough City Council Adult Social Care, "
    "Cambridgeshire County Council Children's Services, "
    "Cambridgeshire and Peterborough NHS Foundation Trust, Citizens Advice Rural Cambs, "
    "Cambridge Rape Crisis Centre, Peterborough Women's Aid"
)
# Where transfers in come from: referrer | crime reference prefix | area.
TRANSFER_SOURCES = tuple(
    tuple(part.strip() for part in line.split("|"))
    for line in (
        "Bedfordshire Police | 40 | Bedfordshire",
        "Hertfordshire Constabulary | 41 | Hertfordshire",
        "Norfolk Constabulary | 36 | Norfolk",
        "British Transport Police | BTP | British Transport Police",
    )
)
ACTION_FRAUD = "Action Fraud"

# Home Office offence codes and their weights, by kind of victim. Codes that are not in the
# database (``referrals.OffenceType``) are skipped.
GENERAL_OFFENCES = _weights(
    "49:8 39:2 40:1.5 44:4 42:0.3 45:7 48:3 28:7 29:0.2 58A:5 58B:1.5 58C:6 58D:3 56/2:0.8 "
    "56/1:0.1 59:0.5 105A:10 8N:7 8L:3 195:5 8Q:0.8 3:1 5:0.3 8:0.8 8M:0.6 8P:0.3 105B:0.6 "
    "2:0.03 36:0.1 106:0.05 34A:1.5 53:4 66:4 20:0.8 19:0.4 17:0.1 88:0.2 70:0.01 72:0.02 "
    "73:0.02 1:0.02 4/1:0.01 4/4:0.03 4/6:0.02 37:0.005"
)
DOMESTIC_ABUSE_OFFENCES = _weights("8N:25 105A:25 8R:15 8L:8 8Q:5 3:4 58A:8 195:5 19:2 20:2 8:1")
CHILD_OFFENCES = _weights(
    "105A:20 8N:12 49:10 34A:8 195:12 39:5 44:6 20:5 22:3 21:1 11:2 14:0.5 71:1 88:1 74:0.2 23:0.2"
)
BUSINESS_OFFENCES = _weights("46:35 30:20 31:1 34B:6 58B:15 41:5 53:10 56/2:2")
# Racially or religiously aggravated offences: always recorded as hate crime.
HATE_CRIME_CODES = frozenset({"8M", "8P", "105B"})


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str  # a hub.roles.Role value
    job_title: str = ""
    is_demo_sign_in: bool = False
    is_staff: bool = False


def _username(first: str, last: str) -> str:
    text = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == ".")


def _people(text: str) -> list[tuple[str, str, str]]:
    """``"Priya Shah | title"`` lines → (first, last, title)."""
    people = []
    for line in text.strip().splitlines():
        name, _, title = (part.strip() for part in line.partition("|"))
        first, last = name.split(" ", 1)
        people.append((first, last, title))
    return people


DEMO_SIGN_INS = (
    StaffMember("vcc", "Hannah", "Clarke", "VCC", "Victim Care Co-ordinator", True),
    StaffMember("caseworker", "Daniel", "Osei", "Caseworker", "Caseworker (mental health)", True),
    StaffMember(
        "volunteer", "Agnieszka", "Nowak", "Volunteer", "Volunteer (Polish, Russian)", True
    ),
    StaffMember("manager", "Rachel", "Whitmore", "Manager", "Hub manager", True),
    StaffMember("admin", "Gareth", "Pryce", "Administrator", "Systems administrator", True, True),
    StaffMember("analyst", "Imogen", "Hale", "Analyst", "Commissioner's analyst", True),
)
EXTRA_VCCS = _people("""
    Priya Shah
    Tom Fenwick
    Chloe Barker
    Marcus Campbell
    Joanna Kowalska
    Liam O'Connor
    Fatima Hussain
    Sophie Lockwood
    Kwame Mensah
    Ellen Gibbons
    Rhys Morgan
    Natalie Burrows
""")
EXTRA_CASEWORKERS = _people("""
    Sian Pritchard | Caseworker (young victims)
    Adebayo Okafor | Caseworker (migrant exploitation)
    Helen Marsh | Caseworker (restorative justice)
    Imran Akhtar | Caseworker (mental health nurse)
""")
# The languages a volunteer speaks besides English go in their title, and (as codes, like a
# victim's preferred language) in their profile.
VOLUNTEER_LANGUAGES = {
    "Arabic": "ar",
    "Bengali": "bn",
    "Cantonese": "yue",
    "Czech": "cs",
    "English": "",
    "French": "fr",
    "German": "de",
    "Hindi": "hi",
    "Kurdish": "ku",
    "Latvian": "lv",
    "Lithuanian": "lt",
    "Mandarin": "zh",
    "Polish": "pl",
    "Portuguese": "pt",
    "Punjabi": "pa",
    "Romanian": "ro",
    "Russian": "ru",
    "Slovak": "sk",
    "Urdu": "ur",
}
EXTRA_VOLUNTEERS = _people("""
    Harpreet Gill | Punjabi, Hindi
    Nazia Iqbal | Urdu, Punjabi
    Rūta Kazlauskienė | Lithuanian, Russian
    Ilze Ozola | Latvian, Russian
    Katharina Weber | German
    Zuzana Horváthová | Slovak, Czech
    Claire Dubois | French
    João Ferreira | Portuguese
    Ioana Popescu | Romanian
    Shirin Karimi | Kurdish, Arabic
    Rukhsana Begum | Bengali
    Mei Chen | Mandarin, Cantonese
    Margaret Holmes | English
    Brian Sadler | English
    Pauline Newton | English
    Tomasz Mazur | Polish
""")


def staff_roster() -> tuple[StaffMember, ...]:
    """Everyone ``seed_demo`` creates, the same whatever the seed: ``--replace`` removes them."""
    members = list(DEMO_SIGN_INS)
    for first, last, _ in EXTRA_VCCS:
        members.append(
            StaffMember(_username(first, last), first, last, "VCC", "Victim Care Co-ordinator")
        )
    for first, last, title in EXTRA_CASEWORKERS:
        members.append(StaffMember(_username(first, last), first, last, "Caseworker", title))
    for first, last, languages in EXTRA_VOLUNTEERS:
        title = f"Volunteer ({languages})"
        members.append(StaffMember(_username(first, last), first, last, "Volunteer", title))
    return tuple(members)
