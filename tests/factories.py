import factory
from django.contrib.auth.models import Group

from core.models import Department, DepartmentMembership, User

TEST_PASSWORD = "correct horse battery staple"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"业务{n}部")
    code = factory.Sequence(lambda n: f"D{n:03d}")
    kind = Department.Kind.BUSINESS


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user. `roles=[...]` puts them in the role groups (run `roles_sync()` first, as the
    `roles` fixture does); `department=` makes them a primary member of that department."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"职员{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cn")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def department(self, create, extracted, **kwargs):
        if create and extracted:
            DepartmentMembership.objects.get_or_create(
                user=self, department=extracted, defaults={"is_primary": True}
            )
