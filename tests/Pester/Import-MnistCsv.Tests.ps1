Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $data = Join-Path $PSScriptRoot '../data'
    $header = 'label,' + ((0..783 | ForEach-Object { "pixel$_" }) -join ',')
    function New-Row([int] $Label, [int] $Pixel = 0) { "$Label," + ((@($Pixel) * 784) -join ',') }
}

Describe 'Import-MnistCsv' {
    Context 'the Kaggle layouts' {
        It 'streams one labelled sample per row of the train layout' {
            $samples = Import-MnistCsv -Path (Join-Path $data 'train-1000.csv')

            $samples.Count | Should -Be 1000
            $samples[0].ImageId | Should -Be 1
            $samples[999].ImageId | Should -Be 1000
            $samples[0].Label | Should -BeOfType [int]
            $samples[0].Pixels.Count | Should -Be 784
            ($samples | Where-Object { $null -eq $_.Label }) | Should -BeNullOrEmpty
        }

        It 'numbers unlabelled test rows from 1 as Kaggle ImageIds' {
            $samples = Import-MnistCsv (Join-Path $data 'test-200.csv')

            $samples.Count | Should -Be 200
            $samples.ImageId | Should -Be (1..200)
            $samples | ForEach-Object { $_.Label | Should -BeNullOrEmpty }
        }

        It 'gives the same images as a dataset' {
            $path = Join-Path $data 'train-1000.csv'
            $dataset = Import-MnistCsv -Path $path -AsDataset
            $samples = Import-MnistCsv -Path $path

            $dataset.Count | Should -Be 1000
            $dataset.HasLabels | Should -BeTrue
            $dataset.GetLabel(41) | Should -Be $samples[41].Label
            $dataset.GetSample(41).Pixels | Should -Be $samples[41].Pixels
        }

        It 'binds paths from Get-ChildItem' {
            $samples = Get-ChildItem -Path $data -Filter 'test-200.csv' | Import-MnistCsv

            $samples.Count | Should -Be 200
        }

        It 'reads the headerless label-first layout' {
            $path = Join-Path $TestDrive 'headerless.csv'
            Set-Content -Path $path -Value @((New-Row 3 7), (New-Row 9 255))

            $samples = Import-MnistCsv -Path $path

            $samples.Label | Should -Be 3, 9
            $samples[1].Pixels[783] | Should -Be 255
        }

        It 'accepts a byte order mark and Windows line ends' {
            $path = Join-Path $TestDrive 'windows.csv'
            $text = (@($header, (New-Row 4 1), (New-Row 5 2)) -join "`r`n") + "`r`n"
            [IO.File]::WriteAllText($path, $text, [Text.UTF8Encoding]::new($true))

            $samples = Import-MnistCsv -Path $path

            $samples.Label | Should -Be 4, 5
            $samples[1].Pixels[0] | Should -Be 2
        }

        It 'reads numbers the same under a German culture' {
            $before = [cultureinfo]::CurrentCulture
            try {
                [cultureinfo]::CurrentCulture = 'de-DE'
                $samples = Import-MnistCsv -Path (Join-Path $data 'train-1000.csv') -AsDataset
            }
            finally {
                [cultureinfo]::CurrentCulture = $before
            }

            $samples.Count | Should -Be 1000
        }
    }

    Context 'bad input' {
        It 'reports a missing file as ObjectNotFound' {
            $missing = Join-Path $TestDrive 'nope.csv'

            Import-MnistCsv -Path $missing -ErrorVariable problems -ErrorAction SilentlyContinue

            $problems.Count | Should -Be 1
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].Exception.Message | Should -BeLike '*nope.csv*'
        }

        It 'skips a bad row with a non-terminating error naming line and column' {
            $path = Join-Path $TestDrive 'bad-pixel.csv'
            Set-Content -Path $path -Value @($header, (New-Row 1 0), ((New-Row 2 0) -replace '^2,0,', '2,300,'),
                (New-Row 3 0))

            $samples = Import-MnistCsv -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue

            $samples.Label | Should -Be 1, 3
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRecord,*'
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $problems[0].TargetObject | Should -Be $path
            $problems[0].Exception.Line | Should -Be 3
            $problems[0].Exception.Column | Should -Be 'pixel0'
            $problems[0].Exception.Message | Should -BeLike '*bad-pixel.csv*line 3*pixel0*300*'
        }

        It 'stops at the first bad row with -ErrorAction Stop' {
            $path = Join-Path $TestDrive 'bad-label.csv'
            Set-Content -Path $path -Value @($header, (New-Row 1 0), (New-Row 12 0), (New-Row 3 0))
            $seen = [System.Collections.Generic.List[object]]::new()

            { Import-MnistCsv -Path $path -ErrorAction Stop | ForEach-Object { $seen.Add($_) } } |
                Should -Throw -ErrorId 'InvalidRecord,*'
            $seen.Count | Should -Be 1
        }

        It 'reports <Name> as a bad file' -ForEach @(
            @{ Name = 'an empty file'; Lines = @(); Expected = '*empty*' }
            @{ Name = 'a header with no rows'; Lines = @('HEADER'); Expected = '*header but no data*' }
            @{ Name = 'an unknown header'; Lines = @('digit,a,b', '1,2,3'); Expected = '*column*' }
        ) {
            $path = Join-Path $TestDrive 'file.csv'
            Set-Content -Path $path -Value @($Lines | ForEach-Object { $_ -replace 'HEADER', $header })

            $samples = Import-MnistCsv -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue

            $samples | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDataFile,*'
            $problems[0].Exception.Message | Should -BeLike $Expected
        }

        It 'reports a row with the wrong number of columns' {
            $path = Join-Path $TestDrive 'short.csv'
            Set-Content -Path $path -Value @($header, '5,0,0,0')

            Import-MnistCsv -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue | Out-Null

            $problems[0].Exception.Line | Should -Be 2
            $problems[0].Exception.Message | Should -BeLike '*785*4*'
        }
    }
}
