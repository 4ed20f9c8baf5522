// libical (Debian's libical3), opened with dlopen at the first calendar and kept for the
// life of the process: a CGI process whose rules name no calendar never loads it (it
// brings ICU, glib and libdb with it). time/calendar.cpp calls libical only through
// this table; its header gives the types, nothing is linked. `make static` links
// src/static/ical-none.cpp in place of time/ical.cpp: the static binary reads no
// calendar.
#pragma once
#include <string>

#include <libical/ical.h>

namespace cr {

struct IcalTable {
    decltype(&::icalerror_set_errors_are_fatal) icalerror_set_errors_are_fatal;
    decltype(&::icalparser_parse_string) icalparser_parse_string;
    decltype(&::icalcomponent_free) icalcomponent_free;
    decltype(&::icalcomponent_isa) icalcomponent_isa;
    decltype(&::icalcomponent_get_first_component) icalcomponent_get_first_component;
    decltype(&::icalcomponent_get_next_component) icalcomponent_get_next_component;
    decltype(&::icalcomponent_get_first_property) icalcomponent_get_first_property;
    decltype(&::icalcomponent_get_next_property) icalcomponent_get_next_property;
    decltype(&::icalcomponent_get_timezone) icalcomponent_get_timezone;
    decltype(&::icalproperty_isa) icalproperty_isa;
    decltype(&::icalproperty_get_first_parameter) icalproperty_get_first_parameter;
    decltype(&::icalparameter_get_tzid) icalparameter_get_tzid;
    decltype(&::icalproperty_get_xlicerror) icalproperty_get_xlicerror;
    decltype(&::icalproperty_get_summary) icalproperty_get_summary;
    decltype(&::icalproperty_get_location) icalproperty_get_location;
    decltype(&::icalproperty_get_uid) icalproperty_get_uid;
    decltype(&::icalproperty_get_status) icalproperty_get_status;
    decltype(&::icalproperty_get_dtstart) icalproperty_get_dtstart;
    decltype(&::icalproperty_get_dtend) icalproperty_get_dtend;
    decltype(&::icalproperty_get_duration) icalproperty_get_duration;
    decltype(&::icalproperty_get_rrule) icalproperty_get_rrule;
    decltype(&::icalproperty_get_rdate) icalproperty_get_rdate;
    decltype(&::icalproperty_get_exdate) icalproperty_get_exdate;
    decltype(&::icalproperty_get_recurrenceid) icalproperty_get_recurrenceid;
    decltype(&::icaltimezone_get_builtin_timezone) icaltimezone_get_builtin_timezone;
    decltype(&::icaltimezone_get_builtin_timezone_from_tzid) icaltimezone_get_builtin_timezone_from_tzid;
    decltype(&::icaltimezone_get_utc_timezone) icaltimezone_get_utc_timezone;
    decltype(&::icaltime_as_timet_with_zone) icaltime_as_timet_with_zone;
    decltype(&::icalrecur_iterator_new) icalrecur_iterator_new;
    decltype(&::icalrecur_iterator_next) icalrecur_iterator_next;
    decltype(&::icalrecur_iterator_free) icalrecur_iterator_free;
};

// The table, libical.so.3 opened the first time (thread-safe, once per process); null
// with *err ("cannot load libical.so.3 (Debian's libical3): ...") when it cannot be.
const IcalTable* ical_table(std::string* err);

}  // namespace cr
