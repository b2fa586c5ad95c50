"""Cue words for each criterion of units whose guidance we have: what a learner's evidence says
when it shows that criterion. Written from the unit specification's evidence requirements and
the OCR revision guides (/work/shared/seeds), in the words learners and assessors use.

A unit without cues is still suggested from its criteria and outcomes' own wording.
"""

CUES = {
    "A/601/2550": {
        "1.1": "who my internal customers are: colleagues in other departments and teams inside "
        "the organisation who rely on my work, unlike external customers and clients outside; "
        "what an internal customer means",
        "2.1": "the products and services our team provides to other departments: reports, "
        "data, payroll, invoices, room bookings, IT support, post, stationery orders, "
        "spreadsheets, minutes, the services we offer",
        "3.1": "finding out what colleagues need and expect before starting, asking questions, "
        "why it matters to understand their needs and expectations, purpose of identifying needs",
        "3.2": "why the service must meet or exceed expectations: otherwise their work is "
        "delayed, knock-on effect on their deadlines, external customers let down, trust lost",
        "3.3": "the value and benefits of meeting or exceeding expectations: trust, goodwill, "
        "repeat requests, reputation of our team, efficiency, morale, going the extra mile",
        "3.4": "building positive working relationships, rapport, trust, cooperation, "
        "teamwork, good communication, why relationships with colleagues matter",
        "4.1": "our quality standards: service level agreement, accuracy target, error free, "
        "house style, policy, standards for my own work and organisation",
        "4.2": "why agreeing standards and timescales helps: clear expectations, no "
        "misunderstanding, accountability, everyone knows what to expect",
        "4.3": "how to set and meet standards and timescales with colleagues: agree in "
        "writing, negotiate a realistic deadline, prioritise, plan my workload, track progress",
        "5.1": "the types of problems internal customers have: delays, errors, missing "
        "information, system faults, wrong data, lost paperwork, late reports",
        "5.2": "ways of dealing with problems: listen, apologise, investigate the cause, "
        "agree a solution, keep them informed, escalate if needed, acknowledge investigate "
        "resolve reflect",
        "5.3": "the purpose and value of a complaints procedure: fair and consistent handling, "
        "every complaint recorded, timescales for responding, learning from complaints",
        "6.1": "why monitor internal customer satisfaction and how: monitoring records, "
        "satisfaction scores, response times tracked, benefits of monitoring",
        "6.2": "techniques for collecting and evaluating feedback: questionnaires, surveys, "
        "feedback forms, focus groups, comment box, one to one conversations, analysing results",
        "6.3": "the benefits of continuous improvement: fewer errors, efficiency, saving time, "
        "morale, keeping up with change, small changes regularly",
        "7.1": "identified my internal customers, listed the departments and people I provide "
        "a service to, who relies on my work",
        "7.2": "confirmed what the colleague needed, which report, product or service, "
        "checked their requirements and what they wanted",
        "7.3": "confirmed and agreed the standard and the deadline they needed, agreed "
        "timescale, turnaround time, by when and to what quality",
        "7.4": "agreed what would happen if their needs could not be met: the escalation "
        "route, procedure if late, who to contact, fall-back plan",
        "8.1": "provided the service to the agreed standard, accurate, checked for errors, "
        "met the quality standard, correct first time",
        "8.2": "provided the service on time, met the deadline, within the agreed timescale, "
        "completed by the time agreed",
        "8.3": "checked afterwards that the colleague was happy, followed up, asked if it met "
        "their needs, confirmed they were satisfied",
        "9.1 a": "followed the complaints procedure to process the complaint: logged it, "
        "recorded it in the complaints log, acknowledged it within the timescale",
        "9.1 b": "resolved the problem or complaint: put it right, found a solution, "
        "corrected the error, closed the complaint, the colleague was satisfied",
        "9.1 c": "referred the complaint to my manager or another department when it was "
        "outside my authority, escalated, passed it on, handed over",
        "10.1": "obtained and recorded feedback from internal customers: sent a survey, "
        "collected responses, feedback log, recorded comments",
        "10.2": "analysed and evaluated the feedback: results, percentages, average scores, "
        "trends, themes, compared, chart, evaluation report",
        "10.3": "took action to improve the service: changed the process, introduced a new "
        "system, implemented suggestions, development plan, improvement since",
    },
}


def cues_for(unit_reference, code):
    return CUES.get(unit_reference, {}).get(code, "")
