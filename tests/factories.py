import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from members.models import Collaborative, Membership, User

PASSWORD = "a-long-test-password-1"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(PASSWORD)
    email_address = factory.RelatedFactory(
        "tests.factories.EmailAddressFactory", "user", email=factory.SelfAttribute("..email")
    )


class EmailAddressFactory(DjangoModelFactory):
    """A verified, primary address: email verification is mandatory, so tests start verified."""

    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory, email_address=None)
    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True


class CollaborativeFactory(DjangoModelFactory):
    class Meta:
        model = Collaborative
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Collaborative {n}")
    slug = factory.Sequence(lambda n: f"collaborative-{n}")
    area = "Lambeth"
    description = "A monthly forum in a local cafe."


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    collaborative = factory.SubFactory(CollaborativeFactory)
    role = Membership.Role.MEMBER
