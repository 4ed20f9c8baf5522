#include "time/ical.h"

#include <mutex>

#include "base/library.h"

namespace cr {

const IcalTable* ical_table(std::string* err) {
    static IcalTable table;
    static const IcalTable* loaded = nullptr;
    static std::string error;
    static std::once_flag once;
    std::call_once(once, [] {
        Library lib;
        if (!lib.open("libical.so.3", "Debian's libical3", &error)) return;
#define CR_GET(f) lib.get(&table.f, #f)
        CR_GET(icalerror_set_errors_are_fatal);
        CR_GET(icalparser_parse_string);
        CR_GET(icalcomponent_free);
        CR_GET(icalcomponent_isa);
        CR_GET(icalcomponent_get_first_component);
        CR_GET(icalcomponent_get_next_component);
        CR_GET(icalcomponent_get_first_property);
        CR_GET(icalcomponent_get_next_property);
        CR_GET(icalcomponent_get_timezone);
        CR_GET(icalproperty_isa);
        CR_GET(icalproperty_get_first_parameter);
        CR_GET(icalparameter_get_tzid);
        CR_GET(icalproperty_get_xlicerror);
        CR_GET(icalproperty_get_summary);
        CR_GET(icalproperty_get_location);
        CR_GET(icalproperty_get_uid);
        CR_GET(icalproperty_get_status);
        CR_GET(icalproperty_get_dtstart);
        CR_GET(icalproperty_get_dtend);
        CR_GET(icalproperty_get_duration);
        CR_GET(icalproperty_get_rrule);
        CR_GET(icalproperty_get_rdate);
        CR_GET(icalproperty_get_exdate);
        CR_GET(icalproperty_get_recurrenceid);
        CR_GET(icaltimezone_get_builtin_timezone);
        CR_GET(icaltimezone_get_builtin_timezone_from_tzid);
        CR_GET(icaltimezone_get_utc_timezone);
        CR_GET(icaltime_as_timet_with_zone);
        CR_GET(icalrecur_iterator_new);
        CR_GET(icalrecur_iterator_next);
        CR_GET(icalrecur_iterator_free);
#undef CR_GET
        if (!lib.done(&error)) return;
        // A bad value is a problem of the file, reported by us: never an abort.
        table.icalerror_set_errors_are_fatal(0);
        loaded = &table;
    });
    if (!loaded) *err = error;
    return loaded;
}

}  // namespace cr
