"""Attribution rules of the ledger, each on invented sentences: who a quotation or a
reported statement is credited to, and when the ledger declines to say."""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc, Span

from rag.answer.compose import statement
from rag.backends.nlp import load_nlp
from rag.ledger.cues import subject_of
from rag.ledger.extract import extract_quotes
from rag.ledger.read import LedgerRow
from rag.types import Article, Quote


def extract(text: str, retag: Callable[[Doc], None] | None = None) -> list[Quote]:
    """The ledger rows of ``text``; ``retag`` first changes its parse, as the small model
    misreads some texts."""
    article = Article(id="t", title="t", text=text)
    if retag is None:
        return extract_quotes(article)
    nlp = load_nlp()
    doc = nlp(text)
    retag(doc)
    return extract_quotes(article, nlp, doc)


def row_of(rows: list[Quote], words: str) -> Quote:
    (row,) = [r for r in rows if words in r.quote]
    return row


def test_the_speech_verb_whose_clause_holds_the_quotation_beats_a_closer_one() -> None:
    rows = extract(
        "Trade Minister Jane Ortiz said the policy stayed “open, firm and fair”, but she also "
        "warned her neighbours against new tariffs.\n"
    )
    assert row_of(rows, "open, firm").speaker == "Jane Ortiz"


def test_he_in_what_a_named_person_reports_is_that_person() -> None:
    rows = extract(
        "“Stay calm,” his wife, Ana Reyes, told him before the vote.\n\n"
        "Tom Reyes said he responded: “We will not close the port.”\n"
    )
    assert row_of(rows, "close the port").speaker == "Tom Reyes"


def test_they_is_not_one_person() -> None:
    rows = extract(
        "“We are ready,” said Maria Lopez.\n\nSuch efforts, they believe, will make the "
        "difference in the smaller states.\n"
    )
    assert all(r.speaker != "Maria Lopez" for r in rows if "difference" in r.quote)


def test_he_or_she_is_not_a_text() -> None:
    rows = extract(
        "The complaint, which was filed in federal court, said the campaign broke the rules.\n\n"
        "“We have never worked that way,” he said.\n"
    )
    row = row_of(rows, "never worked")
    assert (row.speaker, row.method) == ("", "unattributed")


def test_everybody_is_not_a_speaker() -> None:
    rows = extract("Everybody said “the bridge will be finished by spring”.\n")
    assert [r.speaker for r in rows] == [""]


def test_a_sentence_that_says_who_speaks_gives_them_the_uncued_quotation_after_it() -> None:
    rows = extract(
        "“It is a two-man race now,” said Tom Hale, a strategist.\n\n"
        "Professor Dana Brooks of Drake University agreed. “The party is running short of "
        "time to rally behind one candidate.”\n"
    )
    row = row_of(rows, "running short")
    assert (row.speaker, row.method) == ("Dana Brooks", "continuation")


def test_a_statement_saying_is_the_words_of_whoever_issued_it() -> None:
    rows = extract(
        "On Monday, Senator Ann Park issued a statement saying that the mayor had been "
        "“a tireless servant of this city.”\n"
    )
    row = row_of(rows, "tireless servant")
    # the speech verb's own subject (a rule), not only the clause around the quotation
    assert (row.speaker, row.method, row.cue) == ("Ann Park", "rule", "saying")


def test_an_announced_noun_phrase_is_what_was_said() -> None:
    (row,) = extract(
        "The former mayor Rick Dale announced his support for Senator Mary Cole at a rally.\n"
    )
    assert (row.speaker, row.kind, row.cue) == ("Rick Dale", "indirect", "announced")
    assert row.quote == "his support for Senator Mary Cole"


def test_a_cue_joined_by_a_comma_alone_reports_the_clause_before_it() -> None:
    rows = extract(
        "This includes a rapid team to support Iraqi Yazidis, Navy Secretary Ann Fisher told "
        "a Senate panel Monday.\n"
    )
    (row,) = [r for r in rows if r.kind == "indirect"]
    assert row.speaker == "Ann Fisher"
    assert row.quote == "This includes a rapid team to support Iraqi Yazidis"
    # Joined by "and", it is a second statement of its own.
    rows = extract(
        "The senator stood with other party leaders, and Jason Kane urged voters to turn out "
        "in November.\n"
    )
    assert all("stood with" not in r.quote for r in rows)


def test_reported_speech_keeps_who_reported_it() -> None:
    rows = extract(
        "Her spokesman, Tom Vance, says the win shows the governor can still catch up in the "
        "delegate count, according to the Associated Press.\n"
    )
    (row,) = [r for r in rows if r.kind == "indirect"]
    assert (row.speaker, row.via) == ("Tom Vance", "the Associated Press")
    assert row.quote.startswith("the win shows")


def test_a_description_keeps_the_groups_and_roles_it_joins() -> None:
    (row,) = extract(
        "“We will not back down,” the Ohio governor and Democratic candidate for president "
        "said on Friday.\n"
    )
    assert row.speaker == "the Ohio governor and Democratic candidate for president"
    (row,) = extract(
        "Security researchers and state officials said the leak was “a deliberate act of "
        "interference.”\n"
    )
    assert row.speaker == "Security researchers and state officials"
    # A named person stays that person.
    (row,) = extract("Senator Ann Park and her aides said the bill was “dead on arrival.”\n")
    assert row.speaker == "Ann Park"


def test_a_speaker_named_in_a_relative_clause_is_written_without_who() -> None:
    (row,) = extract(
        "The move drew fire from the Mexican president, who said the wall was “an insult to "
        "both nations.”\n"
    )
    assert row.speaker == "the Mexican president"
    rows = extract("He answered critics who say he should use the words “tax relief”.\n")
    assert [r.speaker for r in rows] == ["critics", "critics"]  # the statement, its quotation


def test_a_description_in_apposition_to_a_name_is_that_persons_role() -> None:
    rows = extract(
        "“We will be heard,” said Maria Lund, 41, a retired teacher from Toledo who said she "
        "would join the march.\n"
    )
    row = row_of(rows, "join the march")
    assert (row.speaker, row.speaker_role) == ("Maria Lund", "a retired teacher from Toledo")


def test_a_cue_that_opens_the_next_paragraph_introduces_what_follows_it() -> None:
    rows = extract(
        "Professor Dana Brooks agreed. “Time is running out for the moderates to find "
        "someone.”\n\n"
        "Or maybe the governor, analyst Paul Kim says. “Surveys suggest a second look.”\n"
    )
    assert row_of(rows, "Time is running out").speaker == "Dana Brooks"


def test_seeming_to_agree_says_who_speaks_next() -> None:
    rows = extract(
        "“Our workers are honest people,” said Ana Ruiz, the visiting president.\n\n"
        "Governor Tom Baker seemed to agree. “We will work together on this problem.”\n"
    )
    assert row_of(rows, "work together").speaker == "Tom Baker"


def test_a_hyphenated_role_is_kept_whole() -> None:
    rows = extract("“Be careful,” said Jonah Petersen, a co-author of a book about television.\n")
    assert row_of(rows, "Be careful").speaker_role == "a co-author of a book about television"


def test_an_uncued_quotation_keeps_its_speakers_role_and_cites_the_attribution() -> None:
    text = (
        "“We are going to chip away at the lead,” added his campaign manager Ada Lind, "
        "speaking after the rally. “It is not an easy path.”\n"
    )
    row = row_of(extract(text), "not an easy path")
    assert (row.speaker, row.speaker_role, row.method) == (
        "Ada Lind",
        "his campaign manager",
        "continuation",
    )
    assert "added his campaign manager Ada Lind" in text[row.span_start : row.span_end]
    assert text[row.role_start : row.role_end] == row.speaker_role


def test_a_name_right_after_a_closing_mark_without_a_space_is_read() -> None:
    rows = extract(
        '"The new ad raises hard questions about his record on trade,"Katie Moss, who '
        "chairs the group, said in a statement.\n"
    )
    assert row_of(rows, "new ad raises").speaker == "Katie Moss"


def test_a_verb_inside_a_quotation_reports_nothing() -> None:
    rows = extract(
        "“Maria promised to meet with us face to face,” she said about Lopez, who has been "
        "campaigning in Ohio.\n"
    )
    assert all(r.speaker != "Maria" for r in rows), [(r.speaker, r.quote) for r in rows]


def test_a_name_the_parser_hangs_on_the_verb_is_its_subject() -> None:
    # The parser sometimes makes the name before a verb its "compound" ('“Cruz,” Beck
    # joked'); the misparse is set by hand here, as it is rare and not reproducible at will.
    doc = load_nlp()("“Welcome, brother!” Marsh joked.\n")
    name, verb = (next(t for t in doc if t.text == w) for w in ("Marsh", "joked"))
    name.dep_ = "compound"
    subject = subject_of(verb)
    assert subject is not None and subject.text == "Marsh"


def test_reported_speech_keeps_the_words_it_quotes() -> None:
    text = "Ann Park said it was “totally inappropriate” for the board to cut the budget again.\n"
    rows = extract(text)
    (reported,) = [r for r in rows if r.kind == "indirect"]
    assert (reported.speaker, reported.quote) == (
        "Ann Park",
        "it was “totally inappropriate” for the board to cut the budget again",
    )
    assert text[reported.start : reported.end] == reported.quote


def test_a_clause_that_is_mostly_quotation_is_the_quotations_row() -> None:
    rows = extract(
        "Senator Ann Park said the bill was “a plan that will fail farmers and ranchers”.\n"
    )
    assert [r.kind for r in rows] == ["partial"]


def test_a_quotation_with_its_own_speech_verb_is_not_part_of_the_statement_before_it() -> None:
    rows = extract(
        "Mayor Ruth Kane said the move was made by the police chief and said, “Who are you "
        "going to trust on safety?”\n"
    )
    reported = [r.quote for r in rows if r.kind in ("indirect", "anonymous")]
    assert reported == ["the move was made by the police chief"]


def test_he_is_who_the_sentence_last_named() -> None:
    rows = extract(
        "“We are ready,” said Tom Hale.\n\n"
        "While Gen Ortiz said he found the reaction “a bit slow”, he argued that the country’s "
        "lead was “inevitable”.\n"
    )
    assert {r.speaker for r in rows if "inevitable" in r.quote} == {"Ortiz"}


def test_a_dateline_is_not_the_speaker() -> None:
    rows = extract(
        "Farm bill.\n\nBOSTON (AP) - Jane Roe said on Monday she would vote against the plan.\n\n"
        "DENVER, March 3 (UPI) — The Farmers Union released a statement on Monday, offering "
        "“a full and frank apology” to growers.\n"
    )
    assert row_of(rows, "vote against").speaker == "Jane Roe"
    assert row_of(rows, "frank apology").speaker == "The Farmers Union"


def test_a_share_of_those_asked_is_people() -> None:
    rows = extract(
        "Voters are tired. More than six in 10 said they were not looking forward to the "
        "campaign.\n\nNearly nine out of 10 say they will need to learn new skills at work.\n"
    )
    assert row_of(rows, "not looking forward").speaker == "More than six in 10"
    assert row_of(rows, "learn new skills").speaker == "Nearly nine out of 10"


def test_a_clause_subject_the_parser_made_the_object_of_said_is_reported() -> None:
    # Parsed as "said" with the object "their networks …" and a clause without a subject.
    rows = extract(
        "Ms. Lane and other donors said their networks of backers, almost all men until "
        "a few years ago, were now mostly women.\n"
    )
    (row,) = [r for r in rows if "mostly women" in r.quote]
    assert row.quote.startswith("their networks of backers") and row.cue == "said"


def test_a_name_the_tagger_made_a_common_noun_still_speaks() -> None:
    text = (
        "Port Talks Go On\n\n"
        "The mayor spoke with radio host Lou Quarrity on Wednesday about the port.\n\n"
        "The crowd applauded.\n\n"
        "Quarrity interjected: “So you are saying there will be some flexibility?”\n"
    )

    def retag(doc: Doc) -> None:
        # As the tagger reads some names that open a sentence: a common noun, not a person.
        doc.ents = [e for e in doc.ents if e.label_ != "PERSON"]
        (name,) = [t for t in doc if t.text == "Quarrity" and t.is_sent_start]
        name.pos_, name.tag_ = "NOUN", "NN"

    rows = extract(text, retag)
    assert row_of(rows, "some flexibility").speaker == "Quarrity"


def test_the_one_asked_gives_the_uncued_answer_after_the_question() -> None:
    rows = extract(
        "Radio host Lou Quarrity asked Mayor Dana Holt whether the port would open this year."
        "\n\n“It will open in May, and not a day later.”\n"
    )
    assert row_of(rows, "open in May").speaker == "Dana Holt"


def test_what_was_done_while_speaking_is_not_what_was_said() -> None:
    rows = extract(
        "“Do we throw them out or work with them?” Mayor Dana Holt asked.\n\n"
        "Holt rode the will of the crowd as she replied.\n\n"
        "Taxes will rise next spring, as Holt noted on Monday.\n"
    )
    assert not [r for r in rows if "rode the will" in r.quote]
    assert row_of(rows, "Taxes will rise").speaker == "Dana Holt"


def test_a_verb_in_an_aside_does_not_take_the_quotation_outside_it() -> None:
    rows = extract(
        "The paradox of Nora, says Carl Lund, historian at the National Mayors Library, is "
        'that she was "one of the most powerful mayors in the postwar era," not for her policy '
        'influence (think Ada Brooks and Mary Lowe) but for her "personal influence closely '
        'monitoring and at times managing access to the council."\n'
    )
    assert {r.speaker for r in rows if "influence closely" in r.quote} <= {"", "Carl Lund"}
    assert all(r.cue != "think" for r in rows)


def test_a_title_in_the_speakers_description_is_whole_and_not_their_words() -> None:
    text = (
        "''If you take a paycheck from the league, you have to be careful,'' said Dan Ortiz, "
        "a co-author of ''Those Guys Have All the Fun: Inside the World of Hockey.''\n"
    )
    rows = extract(text)
    said = row_of(rows, "take a paycheck")
    assert said.speaker == "Dan Ortiz"
    role = "a co-author of ''Those Guys Have All the Fun: Inside the World of Hockey.''"
    assert said.speaker_role == role == text[said.role_start : said.role_end]
    title = row_of(rows, "Those Guys")
    assert (title.speaker, title.method) == ("", "unattributed")


def test_a_participle_after_a_comma_goes_with_the_main_clause() -> None:
    rows = extract(
        "Officer Tom Lund spent years on the detail.\n\n"
        "Lund also wrote the agents knew to brace for the eruptions, saying, “They didn’t "
        "happen every day, but behind closed doors we learned about them fast. In public, she "
        "was everyone’s best friend. Privately, she was her normal self.”\n\n"
        '"Ada Roe won tonight and I was very glad to see that. I think we need her back in the '
        'Senate," Holt said during a panel on her show after the first-term senator easily won '
        'her Senate primary, remarking that while there are "still some conservatives angry '
        'over the reform," Roe already "paid a very heavy political price in this primary on '
        'that issue."\n'
    )
    assert row_of(rows, "closed doors").speaker == "Tom Lund"
    assert row_of(rows, "angry over the reform").speaker == "Holt"
    assert row_of(rows, "heavy political price").speaker == "Holt"


def test_a_quotation_in_the_speakers_description_that_they_said_is_theirs() -> None:
    rows = extract(
        "“The vote is close,” said Dan Ortiz, a senator who once warned that “the port will "
        "close if we do nothing at all.”\n"
    )
    assert row_of(rows, "The vote is close").speaker_role == "a senator"
    assert row_of(rows, "the port will close").speaker == "Dan Ortiz"


def test_a_participle_opening_the_text_has_no_comma_before_it() -> None:
    rows = extract("Calling the plan a failure, Ann Park said it “will not pass this year”.\n")
    assert row_of(rows, "will not pass").speaker == "Ann Park"


def test_a_short_name_is_the_fuller_one_the_article_wrote_before() -> None:
    rows = extract(
        "Port Talks\n\nThe Springfield Herald reported on Monday that the port would close.\n\n"
        "“The port has lost money for a decade,” the Herald said in an editorial.\n"
    )
    row = row_of(rows, "lost money")
    assert (row.speaker, row.speaker_mention) == ("The Springfield Herald", "the Herald")
    assert "The Springfield Herald" not in row.quote


def test_a_person_the_tagger_took_for_an_organisation_keeps_her_full_name() -> None:
    text = (
        "Port Talks\n\nCandidate Ada Lind toured the harbour on Monday.\n\n"
        "“We will keep the port open,” Lind said.\n"
    )

    def retag(doc: Doc) -> None:
        # As the small model tags some names: the full name an organisation, the surname nothing.
        (first,) = [t for t in doc if t.text == "Ada"]
        doc.ents = [Span(doc, first.i, first.i + 2, label="ORG")]

    rows = extract(text, retag)
    row = row_of(rows, "keep the port open")
    assert row.speaker == "Ada Lind" == text[row.speaker_start : row.speaker_end]


def test_a_participle_the_parser_hung_on_the_quotation_goes_with_the_verb_outside_it() -> None:
    rows = extract(
        "Band member Tom Lund shared the news on social media last week, writing “Feels great "
        "to back someone I trust. This is a man with a plan.”\n"
    )
    row = row_of(rows, "someone I trust")
    assert (row.speaker, row.speaker_role, row.cue) == ("Tom Lund", "Band member", "writing")


def test_a_person_named_before_the_comma_of_a_verb_with_no_subject_speaks() -> None:
    rows = extract(
        "In a letter to the council, her chief of staff, Tom Reyes, said: “The port will stay "
        "open. We will not close it.”\n"
    )
    assert row_of(rows, "stay open").speaker == "Tom Reyes"


def test_the_subject_beside_the_verb_speaks_not_what_they_said_before_the_comma() -> None:
    rows = extract(
        'Or maybe Tom Vance, digital consultant Lena Ortiz says. "Several surveys and direct '
        'feedback suggest a second look is occurring for Tom in New Hampshire."\n'
    )
    assert row_of(rows, "second look").speaker == "Lena Ortiz"


def test_a_participle_that_quotes_does_not_report_the_clause_it_is_joined_to() -> None:
    rows = extract(
        "Singer Maya Lund shared the news on social media on Friday, writing “Proud to stand "
        "with people who work. This is a town with heart.”\n"
    )
    assert [r.quote for r in rows if r.speaker] == [
        "Proud to stand with people who work. This is a town with heart."
    ]


def test_a_title_in_the_description_after_the_name_is_not_their_words() -> None:
    text = (
        "“I would never take a paycheck for that,” said sports writer Dan Ortiz, a co-author "
        "of ''Those Guys Have All the Fun: Inside the World of Hockey.''\n"
    )
    rows = extract(text)
    said = row_of(rows, "take a paycheck")
    assert said.speaker_role == "sports writer"
    assert said.speaker_appositive.startswith("a co-author of ''Those Guys")
    assert row_of(rows, "Those Guys").speaker == ""


def test_a_text_someone_put_out_speaks_for_them_and_one_they_cite_does_not() -> None:
    rows = extract(
        "Which brings me to Tom Vance. The Springfield Herald recently ran a piece that noted "
        'his "health care plan would benefit affluent households more than it would poorer '
        'ones."\n\n'
        "But Mr. Vance showed no sign of backing down, releasing a statement that, while "
        "condemning violence, accused the party leadership in Ohio of using ''its power to "
        "prevent a fair and transparent process from taking place.''\n\n"
        'Vance cited a study that found "the plan would cost far more than anyone expects."\n'
    )
    assert row_of(rows, "affluent households").speaker == "The Springfield Herald"
    assert row_of(rows, "its power to prevent").speaker == "Tom Vance"
    assert row_of(rows, "cost far more").speaker != "Tom Vance"  # the study's, not his


def test_a_verb_governs_every_quotation_of_a_list_it_takes() -> None:
    rows = extract(
        'On Tuesday, Gov. Tom Vance endorsed her, citing her "long experience," "firm grasp of '
        'the issues" and preparedness.\n'
    )
    assert row_of(rows, "firm grasp").speaker == "Tom Vance"
    rows = extract(
        'Election\n\nGuns are "the ultimate public health crisis" and "stunt children’s '
        'growth," Tom Vance, the former governor of Ohio, proclaimed to a cheering crowd.\n'
    )
    assert row_of(rows, "stunt children").speaker == "Tom Vance"


def test_a_person_described_before_the_comma_of_a_verb_with_no_subject_speaks() -> None:
    text = (
        "But in a call with reporters on Dec. 2, Col. Tom H. Vance, a military spokesman in "
        "Kabul, said, ''I mean, a raid is a combat operation. There is no way around that.''\n"
    )

    def retag(doc: Doc) -> None:
        # As the small model reads the article this comes from: the name in apposition to
        # the date, and the verb without a subject.
        name, date = (next(t for t in doc if t.text == w) for w in ("Vance", "Dec."))
        name.head, name.dep_ = date, "appos"

    assert row_of(extract(text, retag), "a raid is").speaker == "Tom H. Vance"


def test_a_verb_with_its_particle_can_be_a_speech_verb() -> None:
    rows = extract(
        "The town's spokesman also pointed out that the council employs several members of "
        "the guard, and that none of them have ever been penalized for their service.\n"
    )
    (row,) = rows
    assert (row.speaker, row.cue) == ("The town's spokesman", "pointed out")
    assert row.quote.startswith("the council employs several members")
    assert extract("The mayor pointed to the door and the council left the chamber.\n") == []


def test_a_text_goes_on_through_the_quotation_right_after_its_own() -> None:
    rows = extract(
        "Port Talks\n\nTom Vance, a radio host in Springfield, has set up a website about the "
        "harbour.\n\n“Hi there! The port may close for good!” a message on the website reads. "
        "“If that happens, and you want to leave, might I suggest moving to our island!”\n\n"
        "“We are not worried,” Vance said.\n\n“Nobody here is.”\n"
    )
    assert row_of(rows, "The port may close").speaker == "a message on the website"
    following = row_of(rows, "might I suggest")
    assert (following.speaker, following.method) == ("a message on the website", "continuation")
    assert row_of(rows, "Nobody here is").speaker == "Tom Vance"  # a person goes on further
    rows = extract(
        "Port Talks\n\nGen Ann Park said the port would stay open.\n\nThe town will spend "
        "$3 million on the harbour, according to a leaked paper. “In five years this will be "
        "the busiest port in the region.”\n"
    )
    assert row_of(rows, "busiest port").speaker != "a leaked paper"  # no quotation of its own


def test_a_person_named_inside_the_phrase_before_the_comma_does_not_speak() -> None:
    rows = extract(
        "In a briefing on Jan. 5, Maj. Lena Ortiz, an aide to Gen. Tom Reyes, said, “The "
        "convoy was never at risk.”\n"
    )
    assert row_of(rows, "never at risk").speaker != "Tom Reyes"
    rows = extract("If you see Tom Reyes, tell him “the city wants its money back by Friday.”\n")
    assert row_of(rows, "its money back").speaker != "Tom Reyes"  # a command, not his words


def test_a_text_someone_releases_or_is_sent_is_not_theirs() -> None:
    rows = extract("Police released a note that said, “I am sorry for what I did to my family.”\n")
    assert row_of(rows, "I am sorry").speaker != "Police"
    rows = extract("The mayor was sent a letter that warned, “You will pay for this next year.”\n")
    assert row_of(rows, "You will pay").speaker != "The mayor"


def test_two_subjects_joined_by_and_speak_together() -> None:
    rows = extract(
        "Porter, who chairs the committee, and her deputy Tom Reyes said, “We will hold "
        "hearings in March.”\n"
    )
    assert row_of(rows, "hold hearings").speaker != "Tom Reyes"


def test_a_text_is_not_remembered_as_a_speaker_past_the_quotation_after_its_own() -> None:
    rows = extract(
        "Port Talks\n\n“Welcome to the north, the best place in the world!” a message on the "
        "website reads. “If that happens, come and join us here.”\n\n“It was only a joke at "
        "first, and now it is a business.”\n"
    )
    assert row_of(rows, "come and join us").speaker == "a message on the website"
    assert row_of(rows, "only a joke").speaker != "a message on the website"
    rows = extract(
        "Port Talks\n\n“We have no money left at all,” Mayor Jane Porter said.\n\n“The budget "
        "is gone for the year,” a city report concluded. “I warned them about this for years.”\n"
    )
    assert row_of(rows, "I warned them").speaker != "a city report"  # a report has no “I”


def test_a_description_after_the_name_ends_before_and_and_keeps_a_titles_mark() -> None:
    rows = extract(
        "Both Porter, a Democrat, and Republican Tom Reyes said the bill “goes too far for "
        "most voters.”\n"
    )
    assert not row_of(rows, "goes too far").speaker_appositive.endswith("and")
    text = (
        "Former senator Jane Porter, author of “Why Cities Fail,” said the city was broke and "
        "could not pay its staff.\n"
    )
    article = Article(id="t", title="t", text=text)
    row = row_of(extract_quotes(article), "could not pay")
    assert row.speaker_appositive == "author of “Why Cities Fail,”"
    sentence, _ = statement(LedgerRow(row, "t", "", frozenset()), 1, article, True)
    assert sentence.startswith("Former senator Jane Porter, author of “Why Cities Fail,” said")


def test_a_cue_stops_before_the_quotation_its_object_opens() -> None:
    rows = extract(
        "A school textbook published this year explains “the advantages of peace for the "
        "region” with a photograph of the two leaders.\n"
    )
    assert row_of(rows, "advantages of peace").cue == "explains"
