import pytest

from apps.reviews.lifecycle import (
    TRANSITIONS,
    ReviewState,
    TransitionRefused,
    check_transition,
    decisions_available,
)
from apps.workspaces.roles import Action

COPY = Action.WRITE_COPY


@pytest.mark.parametrize(
    ("state", "decision", "role", "target"),
    [
        ("draft", "submit", "copywriter", "in_review"),
        ("in_review", "withdraw", "copywriter", "draft"),
        ("in_review", "approve", "reviewer", "approved"),
        ("in_review", "reject", "reviewer", "rejected"),
        ("changes_requested", "resubmit", "copywriter", "in_review"),
        ("approved", "publish", "admin", "published"),
    ],
)
def test_allowed_moves(state, decision, role, target):
    assert (
        check_transition(state=state, decision=decision, role=role, author_action=COPY).target
        == target
    )


def test_requesting_changes_needs_a_comment():
    with pytest.raises(TransitionRefused, match="a comment is required"):
        check_transition(
            state="in_review", decision="request_changes", role="reviewer", author_action=COPY
        )
    moved = check_transition(
        state="in_review",
        decision="request_changes",
        role="reviewer",
        author_action=COPY,
        comment="Shorter",
    )
    assert moved.target == ReviewState.CHANGES_REQUESTED


@pytest.mark.parametrize(
    ("state", "decision", "role", "message"),
    [
        (
            "draft",
            "approve",
            "reviewer",
            "Work that is draft cannot be approved; it can be: submitted",
        ),
        ("rejected", "resubmit", "copywriter", "it is final"),
        ("approved", "approve", "reviewer", "cannot be approved"),
        (
            "in_review",
            "approve",
            "copywriter",
            "Your role may not do this: approved needs the right to approve",
        ),
        ("draft", "submit", "reviewer", "needs the right to generate and edit product copy"),
        ("draft", "submit", "photo_editor", "needs the right to generate and edit product copy"),
    ],
)
def test_refused_moves_say_why(state, decision, role, message):
    with pytest.raises(TransitionRefused, match=message):
        check_transition(state=state, decision=decision, role=role, author_action=COPY)


def test_photos_use_the_same_machine_with_their_own_author_right():
    move = check_transition(
        state="draft", decision="submit", role="photo_editor", author_action=Action.EDIT_PHOTOS
    )
    assert move.target == ReviewState.IN_REVIEW
    assert [
        t.decision
        for t in decisions_available(state="in_review", role="reviewer", author_action=COPY)
    ] == [
        "approve",
        "request_changes",
        "reject",
    ]


def test_every_state_is_reachable_from_draft():
    reached, frontier = {"draft"}, ["draft"]
    while frontier:
        state = frontier.pop()
        for t in TRANSITIONS:
            if t.source == state and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(ReviewState.values)
