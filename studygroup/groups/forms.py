from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from content.models import Chapter, Question, ReadingItem, StudyText

from . import services
from .models import Meeting, StudyGroup


def _choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """One of the form's model choice fields, typed as one (``fields`` holds plain Fields)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class GroupForm(forms.ModelForm):
    class Meta:
        model = StudyGroup
        fields = [
            "name",
            "text",
            "description",
            "meeting_place",
            "time_zone",
            "join_policy",
            "answer_first",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "join_policy": forms.RadioSelect,
        }
        labels = {"text": "Study text"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Answers and readings hang off the text: it is fixed once the group exists.
            # How people join is the invite page's (one place to change it).
            del self.fields["text"], self.fields["join_policy"]
        else:
            text = _choices(self, "text")
            text.queryset = StudyText.objects.order_by("title")
            text.empty_label = None


class InviteForm(forms.ModelForm):
    class Meta:
        model = StudyGroup
        fields = ["invite_enabled", "join_policy"]
        widgets = {"join_policy": forms.RadioSelect}


class ChapterChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Chapter) -> str:
        return f"{obj.number}. {obj.title}"


ASSIGNED = ("chapters", "readings", "questions")


class MeetingForm(forms.Form):
    # <input type="date"> takes only ISO dates, whatever the language.
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration = forms.IntegerField(label="Length (minutes)", min_value=15, max_value=600, initial=90)
    place = forms.CharField(
        max_length=300, required=False, help_text="Leave empty for the group's usual place."
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    chapters = ChapterChoices(
        queryset=Chapter.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    readings = forms.ModelMultipleChoiceField(
        label="Further reading",
        queryset=ReadingItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    questions = forms.ModelMultipleChoiceField(
        label="Questions to discuss",
        queryset=Question.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, group: StudyGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        # Only the group's own text: another text's or group's ids are "not one of the
        # available choices".
        # Retired parts of the text are not offered, unless this meeting assigns them already.
        kept = {name: [o.pk for o in self.initial.get(name, [])] for name in ASSIGNED}
        _choices(self, "chapters").queryset = Chapter.objects.filter(
            Q(retired_at=None) | Q(pk__in=kept["chapters"]), text_id=group.text_id
        )
        _choices(self, "readings").queryset = ReadingItem.objects.filter(
            Q(retired_at=None) | Q(pk__in=kept["readings"]), text_id=group.text_id
        ).order_by("level", "position")
        _choices(self, "questions").queryset = group.questions().filter(
            Q(retired_at=None) | Q(pk__in=kept["questions"])
        )
        self.fields["time"].help_text = f"In the group's time zone, {group.time_zone}."

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what super().clean() returns; typed as maybe None
        if cleaned.get("date") and cleaned.get("time"):
            starts = timezone.make_aware(
                datetime.combine(cleaned["date"], cleaned["time"]), self.group.tz
            )
            ends = starts + timedelta(minutes=cleaned.get("duration") or 90)
            try:
                services.check_meeting_times(starts, ends)
            except services.GroupError as exc:
                self.add_error("date", str(exc))
            cleaned["starts_at"], cleaned["ends_at"] = starts, ends
        return cleaned

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        start = meeting.local_start
        return {
            "date": start.date(),
            "time": start.time(),
            "duration": int(meeting.duration.total_seconds() // 60),
            "place": meeting.place,
            "notes": meeting.notes,
            "chapters": list(meeting.chapters.all()),
            "readings": list(meeting.readings.all()),
            "questions": list(meeting.questions.all()),
        }


class GroupQuestionForm(forms.Form):
    body = forms.CharField(
        label="Question", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    chapters = ChapterChoices(
        label="Chapters it concerns",
        queryset=Chapter.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, group: StudyGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "chapters").queryset = Chapter.objects.current().filter(
            text_id=group.text_id
        )

    def clean_body(self) -> str:
        body = " ".join(self.cleaned_data["body"].split())
        if not body:
            raise forms.ValidationError("Write the question.")
        return body


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[("facilitator", "Facilitator"), ("member", "Member")])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])


class MarkForm(forms.Form):
    done = forms.BooleanField(required=False)


class AttendanceForm(forms.Form):
    going = forms.ChoiceField(
        choices=[("yes", "Going"), ("no", "Can't make it"), ("", "No answer")], required=False
    )
