from django.db import models

from vigil.core.scope import ScopedQuerySet


class DeclarationTally(models.Model):
    """Declarations counted by place, arrival day, channel, state and whether
    the person was tested, so that the leaders' dashboard sums a few thousand
    rows instead of counting millions.

    Rows are written only by database triggers on the declarations table
    (`vigil.reports.tally`): every insert, delete, or change of a counted
    column adds a delta row (+1 for the new values, -1 for the old ones), so
    concurrent writers never wait for each other. `compact()` folds the deltas
    into one merged row per key from time to time; a sum over all rows is
    exact at any moment.
    """

    area = models.ForeignKey(
        "areas.AdminUnit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # read through area_path; one index less on every write
        related_name="+",
    )
    area_path = models.CharField(max_length=128)
    arrival_date = models.DateField()
    channel = models.CharField(max_length=16)
    risk_colour = models.CharField(max_length=8)
    verification_state = models.CharField(max_length=16)
    medical_state = models.CharField(max_length=16)
    # The person has at least one test result on record (`TestedPerson`).
    tested = models.BooleanField()
    n = models.IntegerField()
    # 0: a delta written by a trigger; 1: a merged row; 2: being merged (SQLite).
    merged = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        # The scope (`area_path LIKE '46/474/%'`) as a range of these indexes:
        # the pattern operator class compares bytes, which the default one
        # cannot do under the database's C.UTF-8 collation.
        indexes = [
            models.Index(
                fields=["arrival_date", "area_path"],
                name="tally_day_scope",
                opclasses=["date_ops", "varchar_pattern_ops"],
                # The lists' channel tabs between arrival dates, from the index alone.
                include=["channel", "n"],
            ),
            models.Index(
                fields=["area_path"], name="tally_scope", opclasses=["varchar_pattern_ops"]
            ),
            # The declaration list of one channel, all dates: that channel's
            # rows only (a province's paper forms: 83 ms at 2M declarations
            # through the scope index, which reads every channel).
            models.Index(
                fields=["channel", "area_path"],
                name="tally_channel_scope",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
                include=["n"],  # summed from the index alone
            ),
            models.Index(fields=["merged"], name="tally_deltas", condition=models.Q(merged=0)),
        ]

    def __str__(self):
        return f"{self.area_path} {self.arrival_date} {self.channel}: {self.n}"


class TestedPerson(models.Model):
    """The people with at least one test result, kept by a trigger on the test
    results: the tally's `tested` column reads it, and its primary key is the
    one place where two clerks entering a person's first test at once meet."""

    person = models.OneToOneField(
        "people.Person",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    def __str__(self):
        return str(self.person_id)


class _PlaceCounts(models.Model):
    """The place and count columns of the statistics' rollups
    (`vigil.reports.rollups`): delta rows written by triggers only, folded by
    compaction, as `DeclarationTally`'s."""

    area = models.ForeignKey(
        "areas.AdminUnit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    area_path = models.CharField(max_length=128)
    n = models.IntegerField()
    merged = models.PositiveSmallIntegerField(default=0)  # as DeclarationTally.merged

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class _DepartureCounts(_PlaceCounts):
    """Where declarations came from: the departure country and, in Vietnam,
    the province of the departure unit (0 when none is given)."""

    departure_country = models.CharField(max_length=3)
    departure_province = models.BigIntegerField()  # an AdminUnit id, or 0

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.area_path} {self.departure_country} {self.departure_province}: {self.n}"


class _VehicleCounts(_PlaceCounts):
    """Declarations by plane or train by flight or train number (upper case).
    Cars, coaches and motorbikes are not counted: every plate is its own
    group, as many as the declarations."""

    transport = models.CharField(max_length=16)
    vehicle = models.CharField(max_length=40)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.area_path} {self.vehicle}: {self.n}"


class DepartureTally(_DepartureCounts):
    """Declarations by place, arrival day and departure place: the statistics
    by departure place between arrival dates."""

    arrival_date = models.DateField()

    class Meta:
        indexes = [
            models.Index(
                fields=["arrival_date", "area_path"],
                name="departure_tally_day_scope",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["area_path"],
                name="departure_tally_scope",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["merged"], name="departure_tally_deltas", condition=models.Q(merged=0)
            ),
        ]


class DepartureTotal(_DepartureCounts):
    """Declarations by place and departure place, all days: the statistics by
    departure place without dates (a few rows per commune, however many
    declarations)."""

    class Meta:
        indexes = [
            models.Index(
                fields=["area_path"],
                name="departure_total_scope",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["merged"], name="departure_total_deltas", condition=models.Q(merged=0)
            ),
        ]


class VehicleTally(_VehicleCounts):
    """Flights and trains by place, arrival day and number."""

    arrival_date = models.DateField()

    class Meta:
        indexes = [
            models.Index(
                fields=["arrival_date", "area_path"],
                name="vehicle_tally_day_scope",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["area_path"], name="vehicle_tally_scope", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["merged"], name="vehicle_tally_deltas", condition=models.Q(merged=0)
            ),
        ]


class VehicleTotal(_VehicleCounts):
    """Flights and trains by place and number, all days."""

    class Meta:
        indexes = [
            models.Index(
                fields=["area_path"], name="vehicle_total_scope", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["merged"], name="vehicle_total_deltas", condition=models.Q(merged=0)
            ),
        ]
