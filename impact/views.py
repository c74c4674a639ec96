from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from collaborative.permissions import impact_report_for
from collaborative.views import collaborative_context, render_page
from impact.report import report_csv as report_csv_text
from impact.report import report_file_name, report_for, report_period
from payments.pdf import PdfUnavailable, pdf_from_html

# The annual impact report (issue 17, item 7): a printable page, its PDF, and its figures as CSV. -----------


def _report_context(request: HttpRequest, slug: str) -> dict:
    """The report page's context: the period form, and the report when the period asked for is a good one."""
    membership = impact_report_for(request.user, slug)
    collaborative = membership.collaborative
    form, start, end = report_period(collaborative, request.GET)
    report = report_for(collaborative, start, end) if start else None
    return collaborative_context(membership, form=form, report=report, query=request.GET.urlencode())


def _back_to_report(slug: str, context: dict) -> HttpResponse:
    """A download asked for with a bad period goes to the report's page, which says what to put right."""
    return redirect(f"{reverse('impact:report', kwargs={'slug': slug})}?{context['query']}")


@require_GET
def report(request: HttpRequest, slug: str) -> HttpResponse:
    """The impact report for a period, April to March by default, to read, print or download."""
    context = _report_context(request, slug)
    return render_page(request, "impact/report.html", context, status=200 if context["report"] else 400)


@require_GET
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The report's own page as a PDF; where WeasyPrint cannot run, a page that says to use Print instead."""
    context = _report_context(request, slug)
    if context["report"] is None:
        return _back_to_report(slug, context)
    context["pdf"] = True
    html = render_to_string("impact/report.html", context, request=request)
    try:
        pdf = pdf_from_html(html)
    except PdfUnavailable:
        return render_page(request, "impact/report_no_pdf.html", context, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_file_name(context["report"], "pdf")}"'
    return response


@require_GET
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The report's figures as a spreadsheet, exactly as the page shows them."""
    context = _report_context(request, slug)
    if context["report"] is None:
        return _back_to_report(slug, context)
    response = HttpResponse(report_csv_text(context["report"]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report_file_name(context["report"], "csv")}"'
    return response


# End of the annual impact report. ------------------------------------------------------------------------
