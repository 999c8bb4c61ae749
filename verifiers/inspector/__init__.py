"""What an inspector is shown (核验结果): a verdict as headline, tone and field rows, with
every 公民身份号码 the holder did not show masked. Pure: no web framework; the page that
renders it is :mod:`verifiers.web.inspector`."""
