import pytest

from waystation.cases.models import Case, Channel, Urgency
from waystation.cases.services.opening import ManualIntake, open_case_manually


@pytest.mark.django_db
def test_a_case_round_trips_through_the_vault():
    case = open_case_manually(
        actor_id=None,
        intake=ManualIntake(
            full_name="Ilyas Testov",
            phone="+7 999 123 45 67",
            narrative="fictional story",
            urgency=Urgency.NOW,
            channel=Channel.PHONE,
        ),
    )
    again = Case.objects.get(pk=case.pk)
    assert again.full_name == "Ilyas Testov"
    assert again.phone_index
